/**
 * Runs every benchmark, one after another, each in its own process so that
 * one's memory and sockets do not disturb the next:
 *
 *   pnpm bench            # all
 *   pnpm bench record-event sse-broadcaster
 *   pnpm bench many-instances   # apps/api with 1 and 3 instances, PostgreSQL alone and with Redis
 *   pnpm bench e2e              # apps/api end to end: POST → SSE latency and throughput; writes docs/END-TO-END.md
 *   pnpm bench peers            # against Graphile Worker, pg-boss, Emmett, better-sse and Hono (outbox-peers,
 *                               # appends-peers, sse-peers);
 *                               # writes bench/results/*.json and docs/BENCHMARKS.md
 *   pnpm bench report           # rewrites docs/BENCHMARKS.md from bench/results/*.json
 *
 * Each benchmark measures its baseline in the same run, prints ratios and
 * writes its figures to bench/results/<name>.json.
 *
 *   BENCH_QUICK=1 pnpm bench    # the smoke CI runs: every benchmark in its short form
 *
 * BENCH_QUICK=1 runs every benchmark (or the ones named) in its smoke form:
 * small counts and durations, one round, about 2.5 minutes for all of them on
 * 2 cores. Its JSON goes to bench/results/quick/ (git-ignored), its reports
 * beside it, never to docs/ or over the real results. It only shows that each
 * benchmark completes and writes its JSON: its figures are not compared with
 * anything.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const peers = ["outbox-peers", "appends-peers", "sse-peers"];
const all = ["record-event", "outbox-publisher", "sse-broadcaster", "many-instances", "e2e", ...peers];
const aliases: Record<string, string[]> = { peers, report: ["peers/report"] };
const asked = process.argv.slice(2).length > 0 ? process.argv.slice(2) : all;
const chosen = asked.flatMap((name) => aliases[name] ?? [name]);

let failed = 0;
for (const name of chosen) {
  const file = join(here, `${name}.ts`);
  if (!existsSync(file)) {
    console.error(`no benchmark named ${name} (have: ${[...all, ...Object.keys(aliases)].join(", ")})`);
    failed++;
    continue;
  }
  console.log(`\n### ${name}`);
  const started = performance.now();
  const result = spawnSync(process.execPath, ["--conditions=@org/source", "--import", "tsx", file], { stdio: "inherit", cwd: here });
  if (result.status !== 0) failed++;
  console.log(`### ${name}: ${result.status === 0 ? "done" : `FAILED (exit ${result.status ?? result.signal})`} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
process.exit(failed === 0 ? 0 : 1);
