import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * What every benchmark shares about its form and its outputs.
 * `BENCH_QUICK=1` is the short smoke form CI runs (small counts, one round):
 * it only shows that a benchmark completes and writes its JSON, and it never
 * overwrites real results or docs/.
 */
export const QUICK = process.env.BENCH_QUICK === "1";
export const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..");
export const repoDir = join(benchDir, "..");
/** bench/results (bench/results/quick for the smoke, which never overwrites the real figures); BENCH_RESULTS_DIR overrides. */
export const resultsDir = process.env.BENCH_RESULTS_DIR ?? join(benchDir, "results", QUICK ? "quick" : "");
/** Reports go beside the results, not to docs/, for a smoke or a run given BENCH_RESULTS_DIR. */
export const besideResults = QUICK || process.env.BENCH_RESULTS_DIR !== undefined;
/** Where a benchmark's Markdown report goes: docs/, or resultsDir (see besideResults). */
export const reportsDir = besideResults ? resultsDir : join(repoDir, "docs");

/** A numeric size: the environment variable `name` if set, else the full or the smoke default. */
export const numberSetting = (name: string, full: number, quick: number): number => Number(process.env[name] ?? (QUICK ? quick : full));
/** A textual setting (a comma-separated list, say): the environment variable `name` if set, else the full or the smoke default. */
export const textSetting = (name: string, full: string, quick: string): string => process.env[name] ?? (QUICK ? quick : full);

/** Writes `results` as resultsDir/<name>.json and returns the file's path. */
export function writeResults(name: string, results: unknown): string {
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}
