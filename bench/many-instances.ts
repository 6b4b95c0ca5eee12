/**
 * Many instances of apps/api on one PostgreSQL: write throughput and
 * end-to-end latency (from a writer's request to the SSE frame at a
 * client), with 1 and 3 instances, in both modes:
 *   - "postgres": every instance follows the log itself (LISTEN/NOTIFY + poll);
 *   - "redis":    the relay appends to a Redis Stream every instance reads.
 *
 *   pnpm bench many-instances
 *   node --conditions=@org/source --import tsx bench/many-instances.ts
 *
 * For each configuration, on a fresh scratch database:
 *   1. saturation: BENCH_WRITERS (16) writers post settlements as fast as
 *      they can for BENCH_SECONDS (10), spread round-robin over the
 *      instances; reported: writes/s, frames/s delivered over all clients,
 *      whether every client got every event, and the lag after the last write;
 *   2. latency: writes at a fixed BENCH_RATE (200/s) for BENCH_SECONDS;
 *      reported: p50 / p95 / p99 / max of request-start → frame-arrival over
 *      every client;
 *   plus what the database did meanwhile (transactions/s and rows read/s,
 *   pg_stat_database) and the followers' reads/s (postgres mode).
 * BENCH_CLIENTS_PER_INSTANCE (20) SSE clients per instance, all of one tenant.
 *
 * Needs PostgreSQL on DATABASE_URL's server (default
 * postgres://postgres@127.0.0.1:5432/postgres; a scratch database is
 * created and dropped) and, for the redis mode, Redis on REDIS_URL (default
 * redis://127.0.0.1:6379; keys under a random prefix, deleted afterwards).
 * BENCH_MODES=postgres,redis and BENCH_INSTANCES=1,3 narrow the matrix.
 *
 * Writes bench/results/many-instances.json. BENCH_QUICK=1 is the smoke form
 * (the same matrix; 4 writers for 1 s, then 50 writes/s for 1 s, 2 clients
 * per instance; bench/results/quick/many-instances.json).
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { buildService } from "../apps/api/scripts/build.js";
import { numberSetting, QUICK, writeResults } from "./support/results.js";
import { BENCH_KEY, createdStream, startService, stopService, type ServiceProcess } from "./support/service-process.js";

const API_DIR = fileURLToPath(new URL("../apps/api", import.meta.url));
const BASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const SECONDS = numberSetting("BENCH_SECONDS", 10, 1);
const WRITERS = numberSetting("BENCH_WRITERS", 16, 4);
const RATE = numberSetting("BENCH_RATE", 200, 50);
const CLIENTS_PER_INSTANCE = numberSetting("BENCH_CLIENTS_PER_INSTANCE", 20, 2);
const MODES = (process.env.BENCH_MODES ?? "postgres,redis").split(",") as ("postgres" | "redis")[];
const INSTANCES = (process.env.BENCH_INSTANCES ?? "1,3").split(",").map(Number);
const KEY = BENCH_KEY;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function admin(query: string): Promise<void> {
  const client = new pg.Client({ connectionString: BASE_URL });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}

type Instance = ServiceProcess;
const startInstance = (env: Record<string, string>) => startService(process.execPath, ["--enable-source-maps", "dist/main.js"], API_DIR, env);
const stopInstance = stopService;

function post(agent: http.Agent, url: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const request = http.request(
      `${url}/api/v1/settlements`,
      { method: "POST", agent, headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) } },
      (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode ?? 0));
      },
    );
    request.on("error", reject);
    request.end(data);
  });
}

async function databaseCounters(url: string, name: string): Promise<{ xact: number; read: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ xact: string; read: string }>(
      "select xact_commit + xact_rollback as xact, tup_returned + tup_fetched as read from pg_stat_database where datname = $1",
      [name],
    );
    return { xact: Number(rows[0]!.xact), read: Number(rows[0]!.read) };
  } finally {
    await client.end();
  }
}

async function followerReads(instances: Instance[]): Promise<number> {
  let reads = 0;
  for (const { url } of instances) {
    const text = await (await fetch(`${url}/metrics`)).text();
    reads += Number(/^log_follower_reads_total (\d+)$/m.exec(text)?.[1] ?? 0);
  }
  return reads;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

interface Result {
  mode: string;
  instances: number;
  writesPerSecond: number;
  framesPerSecond: number;
  complete: boolean;
  lagAfterLastWriteMs: number;
  latency: { p50: number; p95: number; p99: number; max: number };
  dbXactPerSecond: number;
  dbRowsReadPerSecond: number;
  followerReadsPerSecondPerInstance: number;
}

async function runConfiguration(mode: "postgres" | "redis", count: number): Promise<Result> {
  const name = `bench_instances_${randomBytes(4).toString("hex")}`;
  const url = Object.assign(new URL(BASE_URL), { pathname: `/${name}` }).toString();
  const prefix = `bench:${randomBytes(4).toString("hex")}`;
  await admin(`create database "${name}"`);
  const instances: Instance[] = [];
  const clients: { close(): void }[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  try {
    const env = { DATABASE_URL: url, PUBLISHER_POLL_INTERVAL_MS: "1000", ...(mode === "redis" ? { REDIS_URL, REDIS_KEY_PREFIX: prefix } : {}) };
    // The first migrates alone; the others start on a migrated database.
    instances.push(await startInstance(env));
    instances.push(...(await Promise.all(Array.from({ length: count - 1 }, () => startInstance(env)))));

    const sentAt = new Map<string, number>();
    const arrivals: number[] = [];
    let frames = 0;
    let lastArrival = 0;
    let measuring = false;
    for (const instance of instances) {
      for (let n = 0; n < CLIENTS_PER_INSTANCE; n += 1) {
        const client = createdStream(instance.url, (amount) => {
          frames += 1;
          lastArrival = performance.now();
          const at = sentAt.get(amount);
          if (measuring && at !== undefined) arrivals.push(lastArrival - at);
        });
        clients.push(client);
        await client.ready;
      }
    }
    const totalClients = instances.length * CLIENTS_PER_INSTANCE;
    let seq = 0;
    // Round-robin over the instances.
    const write = () => {
      const amount = String(++seq);
      sentAt.set(amount, performance.now());
      return post(agent, instances[seq % instances.length]!.url, { amount: `${amount}.00`, currency: "USD" });
    };

    // 1. saturation
    const before = await databaseCounters(url, name);
    const readsBefore = await followerReads(instances);
    const started = performance.now();
    let writes = 0;
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        while (performance.now() - started < SECONDS * 1000) {
          if ((await write()) === 201) writes += 1;
        }
      }),
    );
    const writeSeconds = (performance.now() - started) / 1000;
    const lastWriteAt = performance.now();
    const expectedFrames = seq * totalClients;
    const drainDeadline = performance.now() + 30_000;
    while (frames < expectedFrames && performance.now() < drainDeadline) await sleep(10);
    const after = await databaseCounters(url, name);
    const readsAfter = await followerReads(instances);
    const elapsed = (performance.now() - started) / 1000;
    const complete = frames === expectedFrames;
    const lagAfterLastWriteMs = Math.max(0, lastArrival - lastWriteAt);

    // 2. latency at a fixed rate
    measuring = true;
    const interval = 1000 / RATE;
    const rateStart = performance.now();
    const pending: Promise<number>[] = [];
    for (let n = 0; n < RATE * SECONDS; n += 1) {
      const due = rateStart + n * interval;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      pending.push(write());
    }
    await Promise.all(pending);
    const rateExpected = expectedFrames + RATE * SECONDS * totalClients;
    const rateDeadline = performance.now() + 30_000;
    while (frames < rateExpected && performance.now() < rateDeadline) await sleep(10);
    const sorted = arrivals.sort((a, b) => a - b);

    return {
      mode,
      instances: count,
      writesPerSecond: writes / writeSeconds,
      framesPerSecond: frames / elapsed,
      complete,
      lagAfterLastWriteMs,
      latency: { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN },
      dbXactPerSecond: (after.xact - before.xact) / elapsed,
      dbRowsReadPerSecond: (after.read - before.read) / elapsed,
      followerReadsPerSecondPerInstance: (readsAfter - readsBefore) / elapsed / count,
    };
  } finally {
    for (const client of clients) client.close();
    await Promise.all(instances.map(stopInstance));
    agent.destroy();
    await admin(`drop database if exists "${name}" with (force)`);
    if (mode === "redis") {
      const { Redis } = await import("ioredis");
      const redis = new Redis(REDIS_URL);
      await redis.del(`{${prefix}}:stream`, `{${prefix}}:head`);
      redis.disconnect();
    }
  }
}

async function main() {
  const startedAt = new Date().toISOString();
  await buildService(); // the instances run dist/main.js, as `pnpm start` does
  const results: Result[] = [];
  for (const mode of MODES) {
    for (const count of INSTANCES) {
      console.error(`running ${mode} with ${count} instance(s)…`);
      results.push(await runConfiguration(mode, count));
    }
  }
  const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }) : "n/a");
  console.log(
    `\n${WRITERS} writers flat out for ${SECONDS} s, then ${RATE} writes/s for ${SECONDS} s; ${CLIENTS_PER_INSTANCE} SSE clients per instance\n`,
  );
  console.log("| mode | instances | writes/s (flat out) | frames/s to clients | every client complete | lag after last write (ms) | latency p50 / p95 / p99 / max (ms) at " + RATE + "/s | DB xact/s | DB rows read/s | follower reads/s per instance |");
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  for (const r of results) {
    console.log(
      `| ${r.mode} | ${r.instances} | ${fmt(r.writesPerSecond)} | ${fmt(r.framesPerSecond)} | ${r.complete ? "yes" : "NO"} | ${fmt(r.lagAfterLastWriteMs)} | ${fmt(r.latency.p50, 1)} / ${fmt(r.latency.p95, 1)} / ${fmt(r.latency.p99, 1)} / ${fmt(r.latency.max, 1)} | ${fmt(r.dbXactPerSecond)} | ${fmt(r.dbRowsReadPerSecond)} | ${r.mode === "postgres" ? fmt(r.followerReadsPerSecondPerInstance, 1) : "–"} |`,
    );
  }
  const settings = { seconds: SECONDS, writers: WRITERS, rate: RATE, clientsPerInstance: CLIENTS_PER_INSTANCE, modes: MODES, instances: INSTANCES };
  console.error(`wrote ${writeResults("many-instances", { benchmark: "many-instances", quick: QUICK, startedAt, settings, results })}`);
}

await main();
