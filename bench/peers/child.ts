/**
 * One system in its own process: creates a scratch database, runs the
 * scenarios it is given in order, prints one JSON line on stdout (progress
 * goes to stderr) and drops the database; on failure, one line
 * `{"error": message}` and exit code 1.
 *
 *   node --conditions=@org/source --import tsx bench/peers/child.ts '<Job as JSON>'
 */
import pg from "pg";
import { appendRate, appenders } from "./appends.js";
import { drain, latency, writers } from "./queue-scenarios.js";
import { createScratchDatabase } from "./scratch.js";
import { sse } from "./sse.js";
import { floorSystems, queueSystems } from "./systems/index.js";

export type Scenario =
  | { kind: "latency"; rate: number; seconds: number }
  | { kind: "writers"; writers: number; seconds: number }
  | { kind: "drain"; count: number; timeoutSeconds: number }
  | { kind: "appends"; writers: number; seconds: number }
  | { kind: "sse"; connections: number; broadcasts: number };

export interface Job {
  system: string;
  scenarios: Scenario[];
}

process.on("uncaughtException", (error) => {
  process.stdout.write(`${JSON.stringify({ error: error.message })}\n`);
  process.exit(1);
});
process.on("unhandledRejection", (error) => {
  process.stdout.write(`${JSON.stringify({ error: error instanceof Error ? error.message : String(error) })}\n`);
  process.exit(1);
});

/**
 * Writes out the dirty pages the systems before this one left (a drain of
 * 50,000, a dropped scratch database) before this system's measurement,
 * rather than in the middle of it: every system starts on a checkpointed
 * server. CHECKPOINT needs a superuser or the pg_checkpoint role; without
 * either the run goes on as before.
 */
async function settle(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query("checkpoint").catch((error: Error) => process.stderr.write(`no CHECKPOINT before measuring: ${error.message}\n`));
  await client.end();
}

const job = JSON.parse(process.argv[2] ?? "null") as Job;
const results: unknown[] = [];
if (job.scenarios.every((s) => s.kind === "sse")) {
  // SSE servers need no database.
  for (const scenario of job.scenarios) results.push(await sse(job.system, scenario as { connections: number; broadcasts: number }));
  process.stdout.write(`${JSON.stringify(results)}\n`);
  process.exit(0);
}
const scratch = await createScratchDatabase(`peer_${job.system}`);
try {
  if (job.scenarios.every((s) => s.kind === "appends")) {
    const definition = appenders[job.system];
    if (!definition) throw new Error(`no appender named ${job.system}`);
    const appender = definition.create(scratch.url);
    try {
      await appender.setup();
      await settle(scratch.url);
      for (const scenario of job.scenarios) results.push(await appendRate(appender, scenario as { seconds: number; writers: number }));
    } finally {
      await appender.close();
    }
  } else {
    const definition = queueSystems[job.system] ?? floorSystems[job.system];
    if (!definition) throw new Error(`no queue system named ${job.system}`);
    const pool = new pg.Pool({ connectionString: scratch.url, max: 10 });
    await pool.query("create table bench_state (id int primary key, n bigint not null default 0)");
    await pool.query("insert into bench_state (id) select generate_series(0, 999)");
    await pool.query("create table plain_jobs (id bigserial primary key, payload jsonb not null, created_at timestamptz not null default now())");
    const system = definition.create(scratch.url, pool);
    try {
      await system.setup();
      await settle(scratch.url);
      for (const scenario of job.scenarios) {
        if (scenario.kind === "latency") results.push(await latency(system, scenario));
        else if (scenario.kind === "writers") results.push(await writers(system, pool, scenario));
        else if (scenario.kind === "drain") results.push(await drain(system, scenario));
        else throw new Error(`${scenario.kind} is not a queue scenario`);
      }
    } finally {
      await system.close();
      await pool.end();
    }
  }
} finally {
  await scratch.drop();
}
process.stdout.write(`${JSON.stringify(results)}\n`);
process.exit(0);
