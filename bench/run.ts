/**
 * Runs every benchmark, one after another, each in its own process so that
 * one's memory and sockets do not disturb the next:
 *
 *   pnpm bench            # all
 *   pnpm bench record-event sse-broadcaster
 *   pnpm bench many-instances   # apps/api with 1 and 3 instances, PostgreSQL alone and with Redis
 *   pnpm bench e2e              # apps/api end to end: POST → SSE latency and throughput
 *
 * Each benchmark measures its baseline in the same run and prints ratios.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const all = ["record-event", "outbox-publisher", "sse-broadcaster", "many-instances", "e2e"];
const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : all;

let failed = 0;
for (const name of chosen) {
  const file = join(here, `${name}.ts`);
  if (!existsSync(file)) {
    console.error(`no benchmark named ${name} (have: ${all.join(", ")})`);
    failed++;
    continue;
  }
  console.log(`\n### ${name}`);
  const result = spawnSync(process.execPath, ["--conditions=@org/source", "--import", "tsx", file], { stdio: "inherit", cwd: here });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
