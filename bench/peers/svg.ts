/**
 * The charts of docs/BENCHMARKS.md, drawn as plain SVG (no chart library):
 * horizontal bars with the spread over the rounds as a whisker, and
 * latency percentile curves on a logarithmic axis.
 */

const FONT = `font-family="system-ui, -apple-system, 'Segoe UI', sans-serif"`;
const PALETTE = ["#2563eb", "#0891b2", "#7c3aed", "#db2777", "#ea580c", "#65a30d", "#ca8a04", "#475569"];

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A fixed colour per system name, so one system has one colour in every chart. */
export function colorOf(name: string, names: readonly string[]): string {
  const i = names.indexOf(name);
  return PALETTE[(i >= 0 ? i : names.length) % PALETTE.length]!;
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return "–";
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: abs >= 100 ? 0 : digits });
}

export interface Bar {
  label: string;
  value: number;
  min?: number;
  max?: number;
  color: string;
}

/** Horizontal bars, one per system, with a min–max whisker and the value written beside. */
export function barChart({ title, unit, bars, marker }: { title: string; unit: string; bars: Bar[]; marker?: { value: number; label: string } }): string {
  const width = 760;
  const left = 230;
  const right = 150;
  const top = 44;
  const row = 30;
  const height = top + bars.length * row + (marker ? 52 : 34);
  const plot = width - left - right;
  const top1 = Math.max(...bars.map((b) => (Number.isFinite(b.max) ? b.max! : b.value)).filter(Number.isFinite), marker?.value ?? 0, 1e-9);
  const scale = (v: number) => (Math.max(0, v) / top1) * plot;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="13">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${left}" y="24" font-size="15" font-weight="600">${escape(title)}</text>`,
  ];
  bars.forEach((bar, i) => {
    const y = top + i * row;
    parts.push(`<text x="${left - 10}" y="${y + 15}" text-anchor="end">${escape(bar.label)}</text>`);
    if (Number.isFinite(bar.value)) {
      parts.push(`<rect x="${left}" y="${y + 3}" width="${scale(bar.value).toFixed(1)}" height="${row - 10}" fill="${bar.color}" rx="2"/>`);
      if (Number.isFinite(bar.min) && Number.isFinite(bar.max) && bar.max! > bar.min!) {
        const cy = y + 3 + (row - 10) / 2;
        const x1 = left + scale(bar.min!);
        const x2 = left + scale(bar.max!);
        parts.push(
          `<path d="M${x1.toFixed(1)},${cy} H${x2.toFixed(1)} M${x1.toFixed(1)},${cy - 5} V${cy + 5} M${x2.toFixed(1)},${cy - 5} V${cy + 5}" stroke="#111" stroke-width="1.2" fill="none"/>`,
        );
      }
      const end = left + scale(Math.max(bar.value, Number.isFinite(bar.max) ? bar.max! : 0));
      parts.push(`<text x="${(end + 8).toFixed(1)}" y="${y + 15}">${escape(`${formatNumber(bar.value)} ${unit}`)}</text>`);
    } else {
      parts.push(`<text x="${left + 4}" y="${y + 15}" fill="#666">not measured</text>`);
    }
  });
  if (marker) {
    const x = left + scale(marker.value);
    const bottom = top + bars.length * row;
    parts.push(`<path d="M${x.toFixed(1)},${top - 6} V${bottom}" stroke="#dc2626" stroke-width="1.5" stroke-dasharray="5 3"/>`);
    parts.push(`<text x="${x.toFixed(1)}" y="${bottom + 18}" text-anchor="middle" fill="#dc2626">${escape(marker.label)}</text>`);
  }
  parts.push(`<text x="${width - 10}" y="${height - 8}" text-anchor="end" font-size="11" fill="#666">bar: median of the rounds; whisker: lowest to highest round</text>`);
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

export interface Series {
  label: string;
  color: string;
  points: { label: string; value: number }[];
}

/** Latency percentiles (x: p50 … max) as one line per system on a logarithmic millisecond axis. */
export function percentileChart({ title, series, goal }: { title: string; series: Series[]; goal?: { value: number; label: string } }): string {
  const width = 840;
  const height = 400;
  const left = 70;
  const right = 270;
  const top = 44;
  const bottom = 50;
  const values = series.flatMap((s) => s.points.map((p) => p.value)).filter((v) => Number.isFinite(v) && v > 0);
  if (goal) values.push(goal.value);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.max(0.01, Math.min(...values, 1)))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...values, 1))));
  const labels = series[0]?.points.map((p) => p.label) ?? [];
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const x = (i: number) => left + (labels.length <= 1 ? plotW / 2 : (i / (labels.length - 1)) * plotW);
  const y = (v: number) => top + plotH - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotH;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="13">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${left}" y="24" font-size="15" font-weight="600">${escape(title)}</text>`,
  ];
  for (let decade = lo; decade <= hi * 1.0001; decade *= 10) {
    const yy = y(decade).toFixed(1);
    parts.push(`<path d="M${left},${yy} H${left + plotW}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${left - 8}" y="${yy}" text-anchor="end" dominant-baseline="middle">${escape(`${formatNumber(decade)} ms`)}</text>`);
  }
  labels.forEach((label, i) => {
    parts.push(`<path d="M${x(i).toFixed(1)},${top} V${top + plotH}" stroke="#f3f4f6"/>`);
    parts.push(`<text x="${x(i).toFixed(1)}" y="${top + plotH + 20}" text-anchor="middle">${escape(label)}</text>`);
  });
  if (goal) {
    const yy = y(goal.value).toFixed(1);
    parts.push(`<path d="M${left},${yy} H${left + plotW}" stroke="#dc2626" stroke-dasharray="5 3"/>`);
    parts.push(`<text x="${left + 6}" y="${(Number(yy) - 5).toFixed(1)}" fill="#dc2626" font-size="12">${escape(goal.label)}</text>`);
  }
  series.forEach((s, k) => {
    const pts = s.points.map((p, i) => (Number.isFinite(p.value) ? `${x(i).toFixed(1)},${y(p.value).toFixed(1)}` : undefined)).filter(Boolean);
    parts.push(`<polyline points="${pts.join(" ")}" fill="none" stroke="${s.color}" stroke-width="2.2"/>`);
    for (const pt of pts) parts.push(`<circle cx="${pt!.split(",")[0]}" cy="${pt!.split(",")[1]}" r="3.2" fill="${s.color}"/>`);
    const ly = top + 10 + k * 22;
    parts.push(`<rect x="${left + plotW + 18}" y="${ly - 8}" width="14" height="4" fill="${s.color}"/>`);
    parts.push(`<text x="${left + plotW + 38}" y="${ly}" dominant-baseline="middle">${escape(s.label)}</text>`);
  });
  parts.push(`<text x="${left + plotW / 2}" y="${height - 8}" text-anchor="middle" font-size="11" fill="#666">percentile (median over the rounds of each percentile)</text>`);
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
