/**
 * @org/outbox-publisher against the raw single-row insert rate of the same
 * database, measured in the same run:
 *
 *   node --conditions=@org/source --import tsx bench/outbox-publisher.ts
 *
 * 1. raw: single-row INSERTs of event rows, 1 client, autocommit.
 * 2. writers flat out (4 clients) with a feed relaying, three ways to wake
 *    it: no NOTIFY (poll), NOTIFY inside every write transaction, and
 *    notifyEventsCommitted after commit; write rate against the same
 *    writers without a publisher (alternating, median of 3), and backlog.
 * 3. commit-to-handler latency at 1,000 events/s (LISTEN + after-commit NOTIFY).
 * 4. drain of a 200,000-event backlog: the ordered feed, and a worker group
 *    with 1 and with 2 workers.
 *
 * Creates a scratch database on DATABASE_URL's server (default
 * postgres://postgres@127.0.0.1:5432/postgres) and drops it afterwards.
 * BENCH_BACKLOG changes the backlog size.
 *
 * Writes bench/results/outbox-publisher.json. BENCH_QUICK=1 is the smoke form
 * (1 round, half-second write periods, 1 s of latency, a 2,000-event backlog;
 * bench/results/quick/outbox-publisher.json).
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { migrate as migrateEvents } from "@org/events";
import { createPostgresDatabase } from "@org/events/pg";
import {
  createEventPublisher,
  createEventWorker,
  migrate,
  notifyEventsCommitted,
  readOutboxStats,
  type EventPublisher,
} from "@org/outbox-publisher";
import { advisoryLockLeader, pgListener } from "@org/outbox-publisher/pg";
import { sql, type Kysely } from "kysely";
import pg from "pg";
import { numberSetting, QUICK, writeResults } from "./support/results.js";

const BASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const BACKLOG = numberSetting("BENCH_BACKLOG", 200_000, 2_000);
const WRITE_SECONDS = QUICK ? 0.5 : 2;
const ROUNDS = QUICK ? 1 : 3;
const LATENCY_SECONDS = QUICK ? 1 : 8;
/** Seconds of each raw insert rate measurement (at the start and at the end). */
const RAW_SECONDS = QUICK ? 0.5 : 4;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

/** Parameters of one event row; one writer per aggregate, so concurrent writers never race for a version. */
const insertRow = (i: number, aggregateId: string): string[] => [`evt_b${randomBytes(8).toString("hex")}`, aggregateId, JSON.stringify({ n: i })];
const INSERT = `insert into domain_events (id, aggregate_type, aggregate_id, event_type, payload) values ($1, 'thing', $2, 'test.happened', $3)`;
const INSERT_AND_NOTIFY = `with e as (${INSERT} returning id) select pg_notify('outbox_events', '') from e`;

async function admin(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: BASE_URL });
  await client.connect();
  await client.query(text).finally(() => client.end());
}

const SEED = 2000;

/**
 * Empties the tables, then seeds published rows and analyzes: the events
 * table's version trigger plans its lookup from the statistics, and on a
 * table analyzed empty it scans the whole table for every insert.
 */
async function truncate(db: Kysely<any>): Promise<void> {
  await sql`truncate domain_events, domain_events_deliveries, domain_events_groups`.execute(db);
  await sql`
    insert into domain_events (id, aggregate_type, aggregate_id, event_type, payload)
    select 'evt_seed' || g, 'seed', 'seed_' || g, 'test.happened', '{}'::jsonb from generate_series(1, ${SEED}) g`.execute(db);
  await sql`update domain_events set published_at = now()`.execute(db);
  await sql`vacuum analyze domain_events`.execute(db);
}

/** Single-row autocommit inserts on one connection for `seconds`. */
async function rawInsertRate(url: string, seconds: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let n = 0;
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  while (performance.now() < end) await client.query(INSERT, insertRow(n, `raw_${n++ % 100}`));
  const rate = n / ((performance.now() - start) / 1000);
  await client.end();
  return rate;
}

/**
 * Writers flat out on 4 connections for WRITE_SECONDS, each write one
 * autocommit INSERT of an event row; with a feed relaying (woken as `wake`
 * says) or, for the baseline, no publisher at all. Returns tx/s, the
 * largest backlog sampled, and how long the feed took to catch up after.
 */
async function writersFlatOut(url: string, db: Kysely<any>, wake: "baseline" | "poll" | "in-transaction" | "after-commit") {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const publisher =
    wake === "baseline"
      ? undefined
      : createEventPublisher(db, { batchSize: 500, pollIntervalMs: wake === "poll" ? 50 : 500, listen: wake === "poll" ? undefined : pgListener({ connectionString: url }) });
  await publisher?.start();
  let n = 0;
  let maxBacklog = 0;
  const end = performance.now() + WRITE_SECONDS * 1000;
  const sampler = (async () => {
    while (publisher && performance.now() < end) {
      maxBacklog = Math.max(maxBacklog, (await readOutboxStats(db)).backlog);
      await sleep(250);
    }
  })();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: 4 }, async (_, writer) => {
      while (performance.now() < end) {
        const i = n++;
        await pool.query(wake === "in-transaction" ? INSERT_AND_NOTIFY : INSERT, insertRow(i, `w${writer}_${i % 25}`));
        if (wake === "after-commit") void notifyEventsCommitted(db);
      }
    }),
  );
  const rate = n / ((performance.now() - start) / 1000);
  await sampler;
  const drainStart = performance.now();
  while (publisher && (await readOutboxStats(db)).backlog > 0) await sleep(10);
  const catchUpMs = performance.now() - drainStart;
  await publisher?.stop();
  await pool.end();
  return { rate, maxBacklog, catchUpMs };
}

/** Commit-to-handler latency of the feed at `perSecond` events/s. */
async function latencyAt(url: string, db: Kysely<any>, perSecond: number, wake: "in-transaction" | "after-commit") {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  const committedAt = new Map<string, number>();
  const receivedAt = new Map<string, number>();
  const publisher = createEventPublisher(db, { listen: pgListener({ connectionString: url }) });
  publisher.onEvent((event) => void receivedAt.set(event.id, performance.now()));
  await publisher.start();
  const total = perSecond * LATENCY_SECONDS;
  const start = performance.now();
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const row = insertRow(i, `lat_${i}`);
    const write = pool.query(wake === "in-transaction" ? INSERT_AND_NOTIFY : INSERT, row).then(() => {
      committedAt.set(row[0]!, performance.now());
      if (wake === "after-commit") void notifyEventsCommitted(db);
    });
    inFlight.add(write);
    void write.finally(() => inFlight.delete(write));
    if (inFlight.size >= 8) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const achieved = total / ((performance.now() - start) / 1000);
  while (receivedAt.size < total) await sleep(10);
  await publisher.stop();
  await pool.end();
  const latencies = [...committedAt].map(([id, at]) => Math.max(0, receivedAt.get(id)! - at)).sort((a, b) => a - b);
  return { achieved, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1)! };
}

async function fillBacklog(db: Kysely<any>, count: number): Promise<void> {
  for (let from = 0; from < count; from += 20_000) {
    await sql`
      insert into domain_events (id, aggregate_type, aggregate_id, event_type, payload)
      select 'evt_d' || lpad(g::text, 12, '0'), 'thing', 'agg_' || (g % 10000), 'test.happened', jsonb_build_object('n', g)
      from generate_series(${from}::int, ${Math.min(count, from + 20_000) - 1}::int) g`.execute(db);
  }
  await sql`vacuum analyze domain_events`.execute(db);
}

async function drainFeed(url: string, db: Kysely<any>): Promise<number> {
  const publisher: EventPublisher = createEventPublisher(db, {
    batchSize: 500,
    leader: advisoryLockLeader({ connectionString: url }),
  });
  publisher.onEvent(() => {});
  const start = performance.now();
  await publisher.start();
  while (publisher.getStats().delivered < BACKLOG) await sleep(5); // seed rows are published already
  const seconds = (performance.now() - start) / 1000;
  await publisher.stop();
  return seconds;
}

async function drainWorkers(url: string, count: number, group: string): Promise<number> {
  const target = BACKLOG + SEED; // a new group starts at the beginning of the log, seed rows included
  const databases = Array.from({ length: count }, () => createPostgresDatabase({ connectionString: url, max: 4 }).db);
  const workers = databases.map((db) =>
    createEventWorker(db, { group, handler: () => {}, batchSize: 500, fillBatchSize: 5000, concurrency: 10, pollIntervalMs: 50 }),
  );
  const start = performance.now();
  await Promise.all(workers.map((worker) => worker.start()));
  const delivered = () => workers.reduce((sum, worker) => sum + worker.getStats().delivered, 0);
  while (delivered() < target) await sleep(5);
  const seconds = (performance.now() - start) / 1000;
  await Promise.all(workers.map((worker) => worker.stop()));
  await Promise.all(databases.map((db) => db.destroy()));
  return seconds;
}

async function main() {
  const startedAt = new Date().toISOString();
  const name = `outbox_bench_${randomBytes(4).toString("hex")}`;
  const url = Object.assign(new URL(BASE_URL), { pathname: `/${name}` }).toString();
  await admin(`create database "${name}"`);
  const { db } = createPostgresDatabase({ connectionString: url, max: 8 });
  // [what, result, events/s to compare with the raw insert rate]
  const rows: [string, string, number | undefined][] = [];
  // The same figures unformatted, for bench/results/outbox-publisher.json.
  const figures: { rawRowsPerSecond: number[]; writers: Record<string, unknown>; latency: Record<string, unknown>; drain: Record<string, number> } = {
    rawRowsPerSecond: [],
    writers: {},
    latency: {},
    drain: {},
  };
  let rawBest = 0;
  const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
  try {
    await migrateEvents(db);
    await migrate(db);
    await truncate(db);

    const only = process.env.BENCH_ONLY; // "writers" | "latency" | "drain": one part (for tuning); the README quotes full runs
    const raw = await rawInsertRate(url, RAW_SECONDS);
    rawBest = raw;
    figures.rawRowsPerSecond.push(raw);
    rows.push(["raw single-row INSERT, 1 client", `${fmt(raw)} rows/s`, raw]);
    await truncate(db);

    // Each variant alternates with its own baseline (the same writers, no publisher) for ROUNDS
    // rounds, so drift of a shared machine hits both alike; the median round counts.
    for (const wake of only && only !== "writers" ? [] : (["poll", "in-transaction", "after-commit"] as const)) {
      const results = [];
      for (let round = 0; round < ROUNDS; round++) {
        const baseline = await writersFlatOut(url, db, "baseline");
        await truncate(db);
        const result = await writersFlatOut(url, db, wake);
        await truncate(db);
        results.push({ ...result, baseline: baseline.rate, ratio: result.rate / baseline.rate });
      }
      results.sort((a, b) => a.ratio - b.ratio);
      const median = results[Math.floor(ROUNDS / 2)]!;
      figures.writers[wake] = { median, rounds: results };
      rows.push([
        `writers flat out (4 clients) + feed, wake: ${wake === "poll" ? "poll every 50 ms" : `NOTIFY ${wake}`}`,
        `${fmt(median.rate)} tx/s = ${median.ratio.toFixed(2)}x writers alone (${fmt(median.baseline)}); backlog max ${fmt(Math.max(...results.map((r) => r.maxBacklog)))}, caught up ${fmt(Math.max(...results.map((r) => r.catchUpMs)))} ms after`,
        median.rate,
      ]);
    }

    for (const wake of only && only !== "latency" ? [] : (["after-commit", "in-transaction"] as const)) {
      const latency = await latencyAt(url, db, 1000, wake);
      figures.latency[wake] = latency;
      rows.push([
        `commit-to-handler latency at ${fmt(latency.achieved)} events/s (NOTIFY ${wake})`,
        `p50 ${fmt(latency.p50, 2)} ms, p99 ${fmt(latency.p99, 2)} ms, max ${fmt(latency.max, 1)} ms`,
        undefined,
      ]);
      await truncate(db);
    }

    if (!only || only === "drain") {
      await fillBacklog(db, BACKLOG);
      const feedSeconds = await drainFeed(url, db);
      figures.drain.feedSeconds = feedSeconds;
      rows.push([`drain ${fmt(BACKLOG)} backlog: ordered feed (1 relay)`, `${fmt(feedSeconds, 1)} s = ${fmt(BACKLOG / feedSeconds)} events/s`, BACKLOG / feedSeconds]);
      for (const count of [1, 2]) {
        const seconds = await drainWorkers(url, count, `drain_${count}`);
        figures.drain[`workers${count}Seconds`] = seconds;
        rows.push([
          `drain ${fmt(BACKLOG)} backlog: worker group, ${count} worker${count > 1 ? "s" : ""}`,
          `${fmt(seconds, 1)} s = ${fmt((BACKLOG + SEED) / seconds)} events/s`,
          (BACKLOG + SEED) / seconds,
        ]);
      }
    }
    await truncate(db);
    const rawAfter = await rawInsertRate(url, RAW_SECONDS);
    rawBest = Math.max(raw, rawAfter);
    figures.rawRowsPerSecond.push(rawAfter);
    rows.push(["raw single-row INSERT, 1 client, again at the end", `${fmt(rawAfter)} rows/s`, rawAfter]);
  } finally {
    await db.destroy();
    // A plain DROP first (it waits for the pool's closing connections), as bench/peers/scratch.ts does: FORCE would end them with an error this process could still receive.
    await admin(`drop database if exists "${name}"`).catch(() => admin(`drop database if exists "${name}" with (force)`));
  }
  const width = Math.max(...rows.map((row) => row[0].length));
  const width2 = Math.max(...rows.map((row) => row[1].length));
  // Ratios against the better of the two raw measurements: the conservative choice on a shared machine.
  console.log(`\n${"measurement".padEnd(width)} | ${"result".padEnd(width2)} | vs raw insert (${fmt(rawBest)}/s)`);
  console.log(`${"-".repeat(width)}-|-${"-".repeat(width2)}-|--------------`);
  for (const [what, result, rate] of rows) {
    console.log(`${what.padEnd(width)} | ${result.padEnd(width2)} | ${rate === undefined ? "" : `${(rate / rawBest).toFixed(2)}x`}`);
  }
  const file = writeResults("outbox-publisher", {
    benchmark: "outbox-publisher",
    quick: QUICK,
    startedAt,
    settings: { backlog: BACKLOG, seed: SEED, writeSeconds: WRITE_SECONDS, rounds: ROUNDS, latencySeconds: LATENCY_SECONDS, rawSeconds: RAW_SECONDS, only: process.env.BENCH_ONLY ?? null },
    table: rows.map(([measurement, result, rate]) => ({ measurement, result, vsRawInsert: rate === undefined ? null : rate / rawBest })),
    rawBest,
    ...figures,
  });
  console.error(`wrote ${file}`);
}

await main();
