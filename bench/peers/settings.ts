import { join } from "node:path";
import { besideResults, reportsDir, numberSetting, resultsDir } from "../support/results.js";

/** Paths and sizes of the peer benchmarks: `BENCH_QUICK=1` is the short smoke form CI runs (bench/support/results.ts). */
export { benchDir, QUICK, repoDir, resultsDir } from "../support/results.js";
/** Where the report goes: docs/BENCHMARKS.md, or beside the results of a smoke or of a run given BENCH_RESULTS_DIR. */
export const reportFile = join(reportsDir, "BENCHMARKS.md");
export const chartsDir = besideResults ? join(resultsDir, "charts") : join(reportsDir, "benchmarks");

export const ROUNDS = numberSetting("BENCH_ROUNDS", 3, 1);
/** Measured seconds of each latency run (after half a second of warm-up). */
export const LATENCY_SECONDS = numberSetting("BENCH_LATENCY_SECONDS", 4, 0.5);
/** Seconds of each writers period (baseline, with consumer, baseline). */
export const WRITE_SECONDS = numberSetting("BENCH_WRITE_SECONDS", 2.5, 0.5);
export const BACKLOG = numberSetting("BENCH_BACKLOG", 50_000, 2_000);
export const DRAIN_TIMEOUT_SECONDS = numberSetting("BENCH_DRAIN_TIMEOUT", 120, 60);
export const APPEND_SECONDS = numberSetting("BENCH_APPEND_SECONDS", 4, 0.5);
export const WRITERS = 8;
export const RATES = [500, 1000];
/** SSE: connections held by each server, and events broadcast one at a time to all of them. */
export const SSE_CONNECTIONS = numberSetting("BENCH_SSE_CONNECTIONS", 10_000, 500);
export const SSE_BROADCASTS = numberSetting("BENCH_SSE_BROADCASTS", 10, 3);
