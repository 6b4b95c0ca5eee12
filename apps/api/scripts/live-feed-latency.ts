/**
 * The live feed alone, in one process: commit → relay → (Redis Stream →
 * reader →) follower → broadcaster, at a fixed write rate, in both modes of
 * createLiveFeed, measured in the same run (no HTTP, no SSE clients):
 *
 *   node --conditions=@org/source --import tsx apps/api/scripts/live-feed-latency.ts
 *
 * For each mode (LATENCY_MODES, default "postgres,redis"), on a fresh scratch
 * database: LATENCY_RATE (200) events/s for LATENCY_SECONDS (10), each one
 * settlement created as the service creates it (with the after-commit
 * wake-up); reported: p50 / p95 / p99 / max from the start of the write to the follower's
 * delivery of its settlement.created, and in redis mode when the relay's
 * append returned. LATENCY_FLAT_OUT_SECONDS (0) first writes flat out with
 * 16 writers and waits until the follower has every event, as the bench
 * does before its fixed-rate phase; LATENCY_TIMELINE=1 prints the worst
 * latency per 250 ms of writes.
 * Needs PostgreSQL on DATABASE_URL's server and Redis on REDIS_URL
 * (defaults as the bench); scratch database and keys are removed afterwards.
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { DomainEvent } from "@org/events";
import { Redis } from "ioredis";
import { sql } from "kysely";
import pg from "pg";
import { openDatabase } from "../src/db/open-database.js";
import { runApiMigrations } from "../src/db/migrations.js";
import { createLiveFeed } from "../src/events/live-feed.js";
import { createSettlementCommands } from "../src/settlements/commands.js";

const BASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const RATE = Number(process.env.LATENCY_RATE ?? 200);
const SECONDS = Number(process.env.LATENCY_SECONDS ?? 10);
const MODES = (process.env.LATENCY_MODES ?? "postgres,redis").split(",") as ("postgres" | "redis")[];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return [50, 95, 99].map((p) => percentile(sorted, p).toFixed(1)).join(" / ") + ` / ${(sorted.at(-1) ?? NaN).toFixed(1)}`;
};

async function admin(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: BASE_URL });
  await client.connect();
  await client.query(text).finally(() => client.end());
}

async function run(mode: "postgres" | "redis"): Promise<void> {
  const name = `latency_${randomBytes(4).toString("hex")}`;
  const url = Object.assign(new URL(BASE_URL), { pathname: `/${name}` }).toString();
  const prefix = `latency:${randomBytes(4).toString("hex")}`;
  await admin(`create database "${name}"`);
  const database = await openDatabase({ databaseUrl: url, dataDir: "" });
  const feed = createLiveFeed({
    database,
    databaseUrl: url,
    redisUrl: mode === "redis" ? REDIS_URL : undefined,
    redisKeyPrefix: prefix,
    pollIntervalMs: 1_000,
    heartbeatIntervalMs: 15_000,
  });
  try {
    await runApiMigrations(database.db);
    await feed.start();
    const commands = createSettlementCommands({ db: database.db, afterCommit: () => feed.afterCommit() });
    const writtenAt = new Map<string, number>();
    const appendedAt = new Map<string, number>();
    const latency: number[] = [];
    const toAppended: number[] = [];
    const byTime: [number, number][] = [];
    // Keyed by amount (one per write); timed from the start of the write, as the bench times from the request.
    const keyOf = (event: DomainEvent) => (event.payload as { amount: string }).amount;
    const { bus } = feed;
    if (bus) {
      // When the relay's append returned, per event.
      const appended = (events: readonly DomainEvent[]) => {
        const now = performance.now();
        for (const event of events) if (event.eventType === "settlement.created") appendedAt.set(keyOf(event), now);
      };
      const { publishBatch } = bus;
      bus.publishBatch = async (events) => void (await publishBatch(events), appended(events));
    }
    feed.follower!.onEvent((event) => {
      if (event.eventType !== "settlement.created") return;
      const at = writtenAt.get(keyOf(event));
      if (at === undefined) return;
      const now = performance.now();
      latency.push(now - at);
      byTime.push([at - start, now - at]);
      const appended = appendedAt.get(keyOf(event));
      if (appended !== undefined) toAppended.push(appended - at);
    });
    let seq = 0;
    let start = 0;
    // Optionally first a flat-out phase (LATENCY_FLAT_OUT_SECONDS, default 0) with 16 writers, as the bench does.
    const flatOut = performance.now() + Number(process.env.LATENCY_FLAT_OUT_SECONDS ?? 0) * 1000;
    let flatWrites = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (performance.now() < flatOut) {
          await commands.create("bench", { amount: `${1_000_000 + ++seq}.00`, currency: "USD", network: null, paymentId: null, requiredConfirmations: 1 });
          flatWrites += 1;
        }
      }),
    );
    if (flatWrites > 0) {
      // As the bench: the fixed-rate phase starts once the follower has everything.
      const drained = performance.now();
      const readsBefore = feed.follower!.getStats().reads;
      while (feed.follower!.getStats().delivered < flatWrites && performance.now() - drained < 30_000) await sleep(10);
      const caughtUp = performance.now() - drained;
      // The follower may have them from its own read of the log while the relay is still behind.
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from domain_events where published_at is null`.execute(database.db);
      console.log(`${mode.padEnd(8)} flat out: ${flatWrites} writes, follower caught up ${caughtUp.toFixed(0)} ms after the last; not yet relayed then: ${rows[0]!.n}; follower reads of the log meanwhile: ${feed.follower!.getStats().reads - readsBefore}`);
    }
    const total = RATE * SECONDS;
    start = performance.now();
    const writes: Promise<void>[] = [];
    for (let n = 0; n < total; n += 1) {
      const wait = start + (n * 1000) / RATE - performance.now();
      if (wait > 1) await sleep(wait);
      writes.push(
        (async () => {
          writtenAt.set(`${n + 1}.00`, performance.now());
          await commands.create("bench", { amount: `${n + 1}.00`, currency: "USD", network: null, paymentId: null, requiredConfirmations: 1 });
        })(),
      );
    }
    await Promise.all(writes);
    const deadline = performance.now() + 30_000;
    while (latency.length < total && performance.now() < deadline) await sleep(10);
    const stats = feed.bus?.getStats();
    console.log(
      `${mode.padEnd(8)} delivered ${latency.length}/${total}; write→follower p50/p95/p99/max ms: ${summary(latency)}` +
        (mode === "redis"
          ? `\n         write→relay's append returned: ${summary(toAppended)} (of ${toAppended.length} appended before their delivery); appended ${stats?.appended} in ${stats?.appendCalls} round trips; resets ${stats?.resets}, follower reads ${feed.follower!.getStats().reads}`
          : `; follower reads ${feed.follower!.getStats().reads}`),
    );
    if (process.env.LATENCY_TIMELINE) {
      const buckets = new Map<number, number>();
      for (const [at, ms] of byTime) buckets.set(Math.floor(at / 250), Math.max(buckets.get(Math.floor(at / 250)) ?? 0, ms));
      console.log(`         worst per 250 ms of writes: ${[...buckets].sort((a, b) => a[0] - b[0]).map(([, ms]) => ms.toFixed(0)).join(" ")}`);
    }
  } finally {
    await feed.stop().catch((error) => console.error(error));
    await database.db.destroy();
    await admin(`drop database if exists "${name}" with (force)`);
    if (mode === "redis") {
      const redis = new Redis(REDIS_URL);
      await redis.del(`{${prefix}}:stream`, `{${prefix}}:head`);
      redis.disconnect();
    }
  }
}

for (const mode of MODES) await run(mode);
