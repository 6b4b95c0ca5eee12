/** Percentiles, medians and spreads of the peer benchmarks. */

/** The percentiles every latency distribution reports (the charts draw them). */
export const PERCENTILES = [50, 75, 90, 95, 99, 99.9] as const;

export interface Distribution {
  count: number;
  p50: number;
  p75: number;
  p90: number;
  p95: number;
  p99: number;
  "p99.9": number;
  max: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const out: Record<string, number> = { count: sorted.length, max: sorted.at(-1) ?? NaN };
  for (const p of PERCENTILES) out[`p${p}`] = percentile(sorted, p);
  return out as unknown as Distribution;
}

export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The median and the range of one figure over the rounds. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function summarize(values: readonly number[]): Summary {
  const finite = values.filter((v) => Number.isFinite(v));
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite), runs: [...values] };
}

/**
 * Summarizes every numeric leaf of a list of result objects of one shape
 * (one per round): `{ a: { p50: 1 } }` x 3 → `{ a: { p50: Summary } }`.
 */
export function summarizeRuns(runs: readonly unknown[]): unknown {
  const first = runs[0];
  if (typeof first === "number") return summarize(runs as number[]);
  if (first && typeof first === "object" && !Array.isArray(first)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) out[key] = summarizeRuns(runs.map((run) => (run as Record<string, unknown>)?.[key]));
    return out;
  }
  return first;
}
