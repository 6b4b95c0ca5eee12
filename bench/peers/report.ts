/**
 * Writes docs/BENCHMARKS.md and its SVG charts from bench/results/*.json
 * (the peer parts' results; whatever parts have run):
 *
 *   node --conditions=@org/source --import tsx bench/peers/report.ts
 *
 * run by every peer part after it writes its results.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chartsDir, reportFile, resultsDir } from "./settings.js";
import { PERCENTILES, type Summary } from "./stats.js";
import { barChart, colorOf, formatNumber, percentileChart } from "./svg.js";

type Results = {
  part: string;
  quick: boolean;
  rounds: number;
  startedAt: string;
  durationSeconds: number;
  machine: Record<string, any>;
  versions: Record<string, string>;
  systems: Record<string, { package: string; settings: string }>;
  scenarios: Record<string, { label: string; scenario: any; systems: Record<string, { runs: any[]; summary: any }> }>;
  failures: string[];
};

function load(name: string): Results | undefined {
  const file = join(resultsDir, `${name}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Results) : undefined;
}

/** A figure's summary at `path` (`commitToHandler.p50`) for one system of one scenario. */
function figure(results: Results | undefined, scenario: string, system: string, path: string): Summary | undefined {
  let node = results?.scenarios[scenario]?.systems[system]?.summary;
  // keys may hold a dot themselves ("p99.9"): take the longest key that exists
  const keys = path.split(".");
  for (let i = 0; i < keys.length && node; ) {
    let j = keys.length;
    while (j > i + 1 && node[keys.slice(i, j).join(".")] === undefined) j--;
    node = node[keys.slice(i, j).join(".")];
    i = j;
  }
  return node && typeof node.median === "number" ? (node as Summary) : undefined;
}

const cell = (s: Summary | undefined, unit = "", rounds = 1) => {
  if (!s || !Number.isFinite(s.median)) return "–";
  const value = `${formatNumber(s.median)}${unit}`;
  return rounds > 1 && s.max > s.min ? `${value} (${formatNumber(s.min)}–${formatNumber(s.max)})` : value;
};

const verdict = (met: boolean | undefined) => (met === undefined ? "not measured" : met ? "**met**" : "**not met**");

export function writeReport(): string {
  const outbox = load("outbox-peers");
  const appends = load("appends-peers");
  const sse = load("sse-peers");
  const parts = [outbox, appends, sse].filter((r): r is Results => r !== undefined);
  mkdirSync(chartsDir, { recursive: true });
  const chartLink = (file: string) => relative(dirname(reportFile), join(chartsDir, file)).split("\\").join("/");
  const chart = (file: string, svg: string, alt: string) => {
    writeFileSync(join(chartsDir, file), svg);
    return `![${alt}](${chartLink(file)})`;
  };
  const out: string[] = [];
  const first = parts[0];
  out.push("# Benchmarks against peers", "");
  out.push(
    "This file is written by the benchmark suite (`pnpm bench peers`, or `pnpm bench` for everything); do not edit it by hand. " +
      "Each system runs in its own process with a scratch database of its own on the same PostgreSQL server (after its setup it runs CHECKPOINT, so the pages the systems before it dirtied are not written out during its measurement), the systems take turns (the order rotates every round), " +
      ((first?.rounds ?? 3) > 1 ? `and every figure is the median of ${first?.rounds ?? 3} rounds with the lowest and highest round in brackets.` : "and each figure comes from one round."),
    "",
  );
  if (parts.some((p) => p.quick)) out.push("> **Smoke run (`BENCH_QUICK=1`)**: one short round per system; these figures only show that the suite runs.", "");
  for (const p of parts) {
    out.push(`- \`${p.part}\`: ${p.startedAt.replace("T", " ").slice(0, 16)} UTC, ${p.durationSeconds < 120 ? `${p.durationSeconds} s` : `${Math.round(p.durationSeconds / 60)} min`}, commit ${p.versions.commit}${p.failures.length > 0 ? `, **${p.failures.length} runs failed**: ${p.failures.join("; ")}` : ""}`);
  }
  out.push("");

  if (first) {
    const m = first.machine;
    out.push("## Machine", "");
    out.push(`${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, ${m.postgres}.`);
    out.push(`Load average before / after: ${parts.map((p) => `${p.part} ${p.machine.loadAverage?.[0]} / ${p.machine.loadAverageAfter?.[0]}`).join(", ")}.`, "");
    out.push("PostgreSQL settings: " + Object.entries(m.postgresSettings as Record<string, string>).map(([k, v]) => `\`${k}\` ${v}`).join(", ") + ".", "");
    const versions = Object.assign({}, ...parts.map((p) => p.versions)) as Record<string, string>;
    out.push("Versions: " + Object.entries(versions).filter(([k]) => k !== "commit").map(([k, v]) => `${k} ${v}`).join(", ") + ".", "");
    out.push(
      "Graphile Worker 0.17 and pg-boss 10 are the newest releases that run on Node 20 (graphile-worker 0.18 needs Node >= 22.18, pg-boss 11 and later need Node 22); " +
        "they are devDependencies of bench/ only.",
      "",
    );
  }

  out.push("## Goals", "");
  out.push("| goal | ours | peer | verdict |", "|---|---|---|---|");
  const goalRows: string[] = [];
  for (const rate of [500, 1000]) {
    const g50 = figure(outbox, `latency-${rate}`, "Graphile Worker", "commitToHandler.p50");
    const g99 = figure(outbox, `latency-${rate}`, "Graphile Worker", "commitToHandler.p99");
    const f50 = figure(outbox, `latency-${rate}`, "NOTIFY after COMMIT (floor)", "commitToHandler.p50");
    const f99 = figure(outbox, `latency-${rate}`, "NOTIFY after COMMIT (floor)", "commitToHandler.p99");
    for (const system of ["ours feed", "ours group"]) {
      const p50 = figure(outbox, `latency-${rate}`, system, "commitToHandler.p50");
      const p99 = figure(outbox, `latency-${rate}`, system, "commitToHandler.p99");
      const met = p50 && p99 && g50 && g99 ? p50.median <= 1.0 && p99.median <= 5 && p50.median < g50.median && p99.median < g99.median : undefined;
      goalRows.push(
        `| commit → handler at ${rate}/s, ${system}: p50 <= 1.0 ms, p99 <= 5 ms, ahead of Graphile Worker on both | p50 ${cell(p50, " ms")}, p99 ${cell(p99, " ms")} | Graphile Worker p50 ${cell(g50, " ms")}, p99 ${cell(g99, " ms")}; floor (NOTIFY after COMMIT) p50 ${cell(f50, " ms")}, p99 ${cell(f99, " ms")} | ${verdict(met)}${p50 && p99 ? ` (p50 ${(p50.median / 1.0).toFixed(1)}x the goal, p99 ${(p99.median / 5).toFixed(1)}x)` : ""} |`,
      );
    }
  }
  const gw = figure(outbox, "writers", "Graphile Worker", "ratio");
  for (const system of ["ours feed", "ours group"]) {
    const r = figure(outbox, "writers", system, "ratio");
    const met = r && gw ? r.median >= 0.7 && r.median >= 2 * gw.median : undefined;
    goalRows.push(`| writers with the consumer running keep >= 0.7 of a plain INSERT and >= 2x Graphile Worker's, ${system} | ${cell(r, "x")} | Graphile Worker ${cell(gw, "x")} | ${verdict(met)}${r && gw ? ` (${(r.median / gw.median).toFixed(2)}x Graphile Worker's)` : ""} |`);
  }
  const re = figure(appends, "appends", "recordEvent", "ratioToPlainInsert");
  const em = figure(appends, "appends", "Emmett appendToStream", "ratioToPlainInsert");
  goalRows.push(`| recordEvent, ${8} writers: >= 0.8 of a plain INSERT of the same row, ahead of Emmett | ${cell(re, "x")} | Emmett ${cell(em, "x")} | ${verdict(re && em ? re.median >= 0.8 && re.median > em.median : undefined)} |`);
  const groupBest = ["ours group", "ours group, batch 1000"]
    .map((s) => ({ s, f: figure(outbox, "drain", s, "perSecond") }))
    .filter((x) => x.f)
    .sort((a, b) => b.f!.median - a.f!.median)[0];
  const bossBatch = figure(outbox, "drain", "pg-boss, batch 1000", "perSecond");
  goalRows.push(
    `| drain: a worker group (per-aggregate order kept) >= 1.2x pg-boss batched | ${groupBest ? `${groupBest.s}: ${cell(groupBest.f, "/s")}` : "–"} | pg-boss, batch 1000: ${cell(bossBatch, "/s")} | ${verdict(groupBest && bossBatch ? groupBest.f!.median >= 1.2 * bossBatch.median : undefined)}${groupBest && bossBatch ? ` (${(groupBest.f!.median / bossBatch.median).toFixed(2)}x)` : ""} |`,
  );
  const feedBest = ["ours feed, batch 5000"]
    .map((s) => ({ s, f: figure(outbox, "drain", s, "perSecond") }))
    .filter((x) => x.f)
    .sort((a, b) => b.f!.median - a.f!.median)[0];
  goalRows.push(`| drain: the feed >= 20,000 events/s | ${feedBest ? `${feedBest.s}: ${cell(feedBest.f, "/s")}` : "–"} | | ${verdict(feedBest ? feedBest.f!.median >= 20_000 : undefined)}${feedBest ? ` (${(feedBest.f!.median / 20_000).toFixed(2)}x)` : ""} |`);
  {
    const n = sse?.scenarios.sse?.scenario.connections as number | undefined;
    const mem = figure(sse, "sse", "ours", "rssToBare");
    const time = figure(sse, "sse", "ours", "reachToBare");
    const peers = ["better-sse", "Hono streamSSE"].map((p) => ({ p, mem: figure(sse, "sse", p, "rssToBare"), time: figure(sse, "sse", p, "reachToBare") }));
    const ahead = mem && time && peers.every((x) => x.mem && x.time && mem.median < x.mem.median && time.median < x.time.median);
    goalRows.push(
      `| SSE at ${n === undefined ? "10,000" : formatNumber(n)} connections: memory and time to reach every client within 1.1x of bare node:http, ahead of better-sse and Hono | memory ${cell(mem, "x")}, time ${cell(time, "x")} of bare | ${peers.map((x) => `${x.p}: memory ${cell(x.mem, "x")}, time ${cell(x.time, "x")}`).join("; ")} | ${verdict(mem && time ? mem.median <= 1.1 && time.median <= 1.1 && !!ahead : undefined)} |`,
    );
    if (n === undefined || n < 50_000) {
      goalRows.push("| SSE at 50,000 connections in one process | | | not run: `BENCH_SSE_CONNECTIONS=50000 pnpm bench sse-peers` needs a limit on open files above 51,000 for the server and the clients' processes (`ulimit -Hn`) |");
    }
  }
  out.push(...goalRows, "");

  if (outbox) {
    const rounds = outbox.rounds;
    const latencySystems = Object.keys(outbox.scenarios["latency-500"]?.systems ?? {});
    out.push("## Latency: enqueue in a transaction → handler", "");
    out.push(
      "A producer paces transactions (`BEGIN; UPDATE bench_state …; <enqueue>; COMMIT`, at most 8 in flight) for " +
        `${outbox.scenarios["latency-500"]?.scenario.seconds ?? "?"} s after half a second of warm-up, in the same process as the consumer. ` +
        "*commit → handler* runs from COMMIT's answer to the handler's call; *begin → handler* from sending BEGIN (including the wait for a pooled connection). " +
        "The last column is the floor of any LISTEN/NOTIFY consumer, measured the same way: a NOTIFY after COMMIT received on a LISTEN connection, nothing read from a table.",
      "",
    );
    for (const rate of [500, 1000]) {
      const key = `latency-${rate}`;
      out.push(`### ${rate} enqueues/s`, "");
      out.push(`| | ${latencySystems.join(" | ")} |`, `|---|${latencySystems.map(() => "---").join("|")}|`);
      out.push(`| rate reached | ${latencySystems.map((s) => cell(figure(outbox, key, s, "reached"), "/s", rounds)).join(" | ")} |`);
      for (const [what, path] of [["commit → handler", "commitToHandler"], ["begin → handler", "beginToHandler"]] as const) {
        for (const p of ["p50", "p90", "p99", "max"]) {
          out.push(`| ${what} ${p} | ${latencySystems.map((s) => cell(figure(outbox, key, s, `${path}.${p}`), " ms", rounds)).join(" | ")} |`);
        }
      }
      out.push("");
      const series = latencySystems.map((s) => ({
        label: s,
        color: colorOf(s, latencySystems),
        points: [...PERCENTILES.map((p) => `p${p}`), "max"].map((p) => ({ label: p, value: figure(outbox, key, s, `commitToHandler.${p}`)?.median ?? NaN })),
      }));
      out.push(chart(`latency-${rate}.svg`, percentileChart({ title: `commit → handler at ${rate} enqueues/s`, series, goal: { value: 5, label: "goal: p99 ≤ 5 ms" } }), `commit to handler latency at ${rate}/s`), "");
    }

    const writerSystems = Object.keys(outbox.scenarios.writers?.systems ?? {});
    out.push("## Writers: what the consumer costs the transactions that enqueue", "");
    out.push(
      `${outbox.scenarios.writers?.scenario.writers ?? 8} connections run transactions flat out for ${outbox.scenarios.writers?.scenario.seconds ?? "?"} s each period: ` +
        "`UPDATE bench_state` + a plain INSERT of a job-sized row (no consumer), then `UPDATE` + the enqueue with the consumer running, then the plain INSERT again. " +
        "The ratio is against the mean of the two plain periods, in the same process.",
      "",
    );
    out.push(`| | ${writerSystems.join(" | ")} |`, `|---|${writerSystems.map(() => "---").join("|")}|`);
    out.push(`| transactions/s with the consumer running | ${writerSystems.map((s) => cell(figure(outbox, "writers", s, "withConsumerPerSecond"), "/s", rounds)).join(" | ")} |`);
    out.push(`| same writers, plain INSERT | ${writerSystems.map((s) => cell(figure(outbox, "writers", s, "baselinePerSecond"), "/s", rounds)).join(" | ")} |`);
    out.push(`| **ratio** | ${writerSystems.map((s) => cell(figure(outbox, "writers", s, "ratio"), "x", rounds)).join(" | ")} |`);
    out.push(`| commit → handler p50 meanwhile | ${writerSystems.map((s) => cell(figure(outbox, "writers", s, "commitToHandler.p50"), " ms", rounds)).join(" | ")} |`);
    out.push(`| commit → handler p99 meanwhile | ${writerSystems.map((s) => cell(figure(outbox, "writers", s, "commitToHandler.p99"), " ms", rounds)).join(" | ")} |`);
    out.push(`| consumer caught up after the writers stopped | ${writerSystems.map((s) => cell(figure(outbox, "writers", s, "catchUpMs"), " ms", rounds)).join(" | ")} |`, "");
    out.push(
      chart(
        "writers.svg",
        barChart({
          title: "writers' rate with the consumer running / plain INSERT",
          unit: "x",
          bars: writerSystems.map((s) => ({ label: s, color: colorOf(s, latencySystems), ...summaryBar(figure(outbox, "writers", s, "ratio")) })),
          marker: { value: 0.7, label: "goal 0.7" },
        }),
        "writer cost",
      ),
      "",
    );

    const drainSystems = Object.keys(outbox.scenarios.drain?.systems ?? {});
    out.push("## Drain a backlog", "");
    out.push(
      `${formatNumber(outbox.scenarios.drain?.scenario.count ?? NaN)} jobs are loaded in bulk, then the consumer starts; the time runs from its start until its handler has seen every job (the handler does nothing). ` +
        "Our worker group keeps per-aggregate order (10,000 aggregates); the feed keeps one total order; Graphile Worker and pg-boss run jobs in any order here.",
      "",
    );
    out.push("| system | events/s | seconds |", "|---|---|---|");
    for (const s of drainSystems) out.push(`| ${s} | ${cell(figure(outbox, "drain", s, "perSecond"), "", rounds)} | ${cell(figure(outbox, "drain", s, "seconds"), "", rounds)} |`);
    out.push("");
    out.push(
      chart(
        "drain.svg",
        barChart({
          title: `drain ${formatNumber(outbox.scenarios.drain?.scenario.count ?? NaN)} jobs: events/s`,
          unit: "/s",
          bars: drainSystems.map((s) => ({ label: s, color: colorOf(s.split(",")[0]!, latencySystems), ...summaryBar(figure(outbox, "drain", s, "perSecond")) })),
        }),
        "drain rates",
      ),
      "",
    );
  }

  if (appends) {
    const systems = Object.keys(appends.scenarios.appends?.systems ?? {});
    out.push("## Appends: one event per transaction", "");
    out.push(`${appends.scenarios.appends?.scenario.writers ?? 8} writers append flat out for ${appends.scenarios.appends?.scenario.seconds ?? "?"} s, each to its own 100 streams; the ratio to the plain INSERT is taken per round.`, "");
    out.push("| system | appends/s | vs plain INSERT |", "|---|---|---|");
    for (const s of systems) out.push(`| ${s} | ${cell(figure(appends, "appends", s, "perSecond"), "", appends.rounds)} | ${cell(figure(appends, "appends", s, "ratioToPlainInsert"), "x", appends.rounds)} |`);
    out.push("");
    out.push(
      chart(
        "appends.svg",
        barChart({
          title: "appends/s, one event per transaction, 8 writers",
          unit: "/s",
          bars: systems.map((s) => ({ label: s, color: colorOf(s, systems), ...summaryBar(figure(appends, "appends", s, "perSecond")) })),
        }),
        "append rates",
      ),
      "",
    );
  }

  if (sse) {
    const systems = Object.keys(sse.scenarios.sse?.systems ?? {});
    const n = sse.scenarios.sse?.scenario.connections ?? NaN;
    out.push(`## SSE: ${formatNumber(n)} connections in one server process`, "");
    out.push(
      `Each server runs in its own process and holds ${formatNumber(n)} connections from a clients' process (raw sockets that count frames and discard them). ` +
        `Memory is the server's RSS after GC with the connections open; the time runs from just before the server's broadcast call until the last client has the event (median of ${sse.scenarios.sse?.scenario.broadcasts ?? "?"} events, one at a time; both processes read the same high-resolution wall clock). ` +
        "Ratios to the bare server are taken per round.",
      "",
    );
    out.push("| server | RSS | kB per connection | vs bare | one event to every client | slowest | vs bare |", "|---|---|---|---|---|---|---|");
    for (const s of systems) {
      out.push(
        `| ${s} | ${cell(figure(sse, "sse", s, "rssMb"), " MB", sse.rounds)} | ${cell(figure(sse, "sse", s, "kbPerConnection"), "", sse.rounds)} | ${cell(figure(sse, "sse", s, "rssToBare"), "x", sse.rounds)} | ${cell(figure(sse, "sse", s, "reachMs"), " ms", sse.rounds)} | ${cell(figure(sse, "sse", s, "reachMaxMs"), " ms", sse.rounds)} | ${cell(figure(sse, "sse", s, "reachToBare"), "x", sse.rounds)} |`,
      );
    }
    out.push("");
    out.push(
      chart(
        "sse-memory.svg",
        barChart({ title: `server RSS with ${formatNumber(n)} SSE connections`, unit: "MB", bars: systems.map((s) => ({ label: s, color: colorOf(s, systems), ...summaryBar(figure(sse, "sse", s, "rssMb")) })) }),
        "SSE memory",
      ),
      "",
      chart(
        "sse-reach.svg",
        barChart({ title: `one event to ${formatNumber(n)} clients`, unit: "ms", bars: systems.map((s) => ({ label: s, color: colorOf(s, systems), ...summaryBar(figure(sse, "sse", s, "reachMs")) })) }),
        "SSE time to reach every client",
      ),
      "",
    );
  }

  // What the profiles showed and what changed: written by hand, kept beside the generator.
  const findings = join(dirname(fileURLToPath(import.meta.url)), "findings.md");
  if (existsSync(findings)) out.push(readFileSync(findings, "utf8").trim(), "");

  out.push("## Settings of each system", "");
  out.push("Each peer runs with the settings its documentation gives for low latency (latency and writers) and, in the drain's added rows, for throughput.", "");
  out.push("| system | package | settings |", "|---|---|---|");
  for (const p of parts) for (const [name, d] of Object.entries(p.systems)) out.push(`| ${name} | ${d.package} ${p.versions[d.package] ?? ""} | ${d.settings} |`);
  out.push("");
  out.push("## Reproduce", "");
  out.push("```sh");
  out.push("pnpm bench peers          # outbox-peers, appends-peers and sse-peers, each rewriting this file (11–15 minutes on 2 cores)");
  out.push("pnpm bench outbox-peers   # one part; BENCH_QUICK=1 for its smoke form (results under bench/results/quick/)");
  out.push("BENCH_QUICK=1 pnpm bench  # the smoke CI runs: every benchmark, these and the others, in its short form (never rewrites this file)");
  out.push("```", "");
  out.push(`Raw results, every round: [bench/results/](${relative(dirname(reportFile), resultsDir).split("\\").join("/") || "."}/).`, "");

  writeFileSync(reportFile, out.join("\n"));
  return reportFile;
}

function summaryBar(s: Summary | undefined): { value: number; min?: number; max?: number } {
  return s ? { value: s.median, min: s.min, max: s.max } : { value: NaN };
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) console.log(writeReport());
