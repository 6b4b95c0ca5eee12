import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Paths and sizes of the peer benchmarks: `BENCH_QUICK=1` is the short smoke form CI runs. */
export const QUICK = process.env.BENCH_QUICK === "1";
export const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..");
export const repoDir = join(benchDir, "..");
/** bench/results (bench/results/quick for the smoke, which never overwrites the real figures). */
export const resultsDir = process.env.BENCH_RESULTS_DIR ?? join(benchDir, "results", QUICK ? "quick" : "");
/** Where the report goes: docs/BENCHMARKS.md, or beside the results of a smoke or of a run given BENCH_RESULTS_DIR. */
const besideResults = QUICK || process.env.BENCH_RESULTS_DIR !== undefined;
export const reportFile = besideResults ? join(resultsDir, "BENCHMARKS.md") : join(repoDir, "docs", "BENCHMARKS.md");
export const chartsDir = besideResults ? join(resultsDir, "charts") : join(repoDir, "docs", "benchmarks");

const number = (name: string, full: number, quick: number) => Number(process.env[name] ?? (QUICK ? quick : full));

export const ROUNDS = number("BENCH_ROUNDS", 3, 1);
/** Measured seconds of each latency run (after half a second of warm-up). */
export const LATENCY_SECONDS = number("BENCH_LATENCY_SECONDS", 4, 0.5);
/** Seconds of each writers period (baseline, with consumer, baseline). */
export const WRITE_SECONDS = number("BENCH_WRITE_SECONDS", 2.5, 0.5);
export const BACKLOG = number("BENCH_BACKLOG", 50_000, 2_000);
export const DRAIN_TIMEOUT_SECONDS = number("BENCH_DRAIN_TIMEOUT", 120, 60);
export const APPEND_SECONDS = number("BENCH_APPEND_SECONDS", 4, 0.5);
export const WRITERS = 8;
export const RATES = [500, 1000];
/** SSE: connections held by each server, and events broadcast one at a time to all of them. */
export const SSE_CONNECTIONS = number("BENCH_SSE_CONNECTIONS", 10_000, 500);
export const SSE_BROADCASTS = number("BENCH_SSE_BROADCASTS", 10, 3);
