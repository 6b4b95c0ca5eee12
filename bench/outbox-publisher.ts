/**
 * @org/outbox-publisher against the raw single-row insert rate of the same
 * database, measured in the same run:
 *
 *   node --conditions=@org/source --import tsx bench/outbox-publisher.ts
 *
 * 1. raw: single-row INSERTs of event rows, 1 client, autocommit.
 * 2. writers flat out (4 clients) with a feed relaying, three ways to wake
 *    it: no NOTIFY (poll), NOTIFY inside every write transaction, and
 *    notifyEventsCommitted after commit; write rate and backlog.
 * 3. commit-to-handler latency at 1,000 events/s (LISTEN + after-commit NOTIFY).
 * 4. drain of a 200,000-event backlog: the ordered feed, and a worker group
 *    with 1 and with 2 workers.
 *
 * Creates a scratch database on DATABASE_URL's server (default
 * postgres://postgres@127.0.0.1:5432/postgres) and drops it afterwards.
 * BENCH_BACKLOG changes the backlog size.
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

const BASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 200_000);
const WRITE_SECONDS = 4;
const LATENCY_SECONDS = 8;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

const insertRow = (i: number) =>
  [`evt_b${randomBytes(8).toString("hex")}`, `agg_${i % 100}`, JSON.stringify({ n: i })] as const;
const INSERT = `insert into domain_events (id, aggregate_type, aggregate_id, event_type, payload) values ($1, 'thing', $2, 'test.happened', $3)`;
const INSERT_AND_NOTIFY = `with e as (${INSERT} returning id) select pg_notify('outbox_events', '') from e`;

async function admin(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: BASE_URL });
  await client.connect();
  await client.query(text).finally(() => client.end());
}

async function truncate(db: Kysely<any>): Promise<void> {
  await sql`truncate domain_events, domain_events_deliveries, domain_events_groups`.execute(db);
  await sql`vacuum analyze domain_events`.execute(db);
}

/** Single-row autocommit inserts on one connection for `seconds`. */
async function rawInsertRate(url: string, seconds: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let n = 0;
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  while (performance.now() < end) await client.query(INSERT, insertRow(n++));
  const rate = n / ((performance.now() - start) / 1000);
  await client.end();
  return rate;
}

/** Writers flat out on `clients` connections while a feed relays; returns tx/s and the largest backlog seen. */
async function writersFlatOut(url: string, db: Kysely<any>, wake: "poll" | "in-transaction" | "after-commit") {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const publisher = createEventPublisher(db, { batchSize: 500, pollIntervalMs: wake === "poll" ? 50 : 500, listen: pgListener({ connectionString: url }) });
  await publisher.start();
  let n = 0;
  let maxBacklog = 0;
  const end = performance.now() + WRITE_SECONDS * 1000;
  const sampler = (async () => {
    while (performance.now() < end) {
      maxBacklog = Math.max(maxBacklog, (await readOutboxStats(db)).backlog);
      await sleep(250);
    }
  })();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (performance.now() < end) {
        const i = n++;
        await pool.query(wake === "in-transaction" ? INSERT_AND_NOTIFY : INSERT, insertRow(i));
        if (wake === "after-commit") void notifyEventsCommitted(db);
      }
    }),
  );
  const rate = n / ((performance.now() - start) / 1000);
  await sampler;
  const drainStart = performance.now();
  while ((await readOutboxStats(db)).backlog > 0) await sleep(20);
  const catchUpMs = performance.now() - drainStart;
  await publisher.stop();
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
    const row = insertRow(i);
    const write = pool.query(wake === "in-transaction" ? INSERT_AND_NOTIFY : INSERT, row).then(() => {
      committedAt.set(row[0], performance.now());
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
  while (publisher.getStats().delivered < BACKLOG) await sleep(5);
  const seconds = (performance.now() - start) / 1000;
  await publisher.stop();
  return seconds;
}

async function drainWorkers(url: string, count: number, group: string): Promise<number> {
  const databases = Array.from({ length: count }, () => createPostgresDatabase({ connectionString: url, max: 4 }).db);
  const workers = databases.map((db) =>
    createEventWorker(db, { group, handler: () => {}, batchSize: 500, fillBatchSize: 5000, concurrency: 10, pollIntervalMs: 50 }),
  );
  const start = performance.now();
  await Promise.all(workers.map((worker) => worker.start()));
  const delivered = () => workers.reduce((sum, worker) => sum + worker.getStats().delivered, 0);
  while (delivered() < BACKLOG) await sleep(5);
  const seconds = (performance.now() - start) / 1000;
  await Promise.all(workers.map((worker) => worker.stop()));
  await Promise.all(databases.map((db) => db.destroy()));
  return seconds;
}

async function main() {
  const name = `outbox_bench_${randomBytes(4).toString("hex")}`;
  const url = Object.assign(new URL(BASE_URL), { pathname: `/${name}` }).toString();
  await admin(`create database "${name}"`);
  const { db } = createPostgresDatabase({ connectionString: url, max: 8 });
  const rows: [string, string, string][] = [];
  const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
  try {
    await migrateEvents(db);
    await migrate(db);

    const raw = await rawInsertRate(url, 4);
    rows.push(["raw single-row INSERT, 1 client", `${fmt(raw)} rows/s`, "1.00x"]);
    await truncate(db);

    for (const wake of ["poll", "in-transaction", "after-commit"] as const) {
      const result = await writersFlatOut(url, db, wake);
      rows.push([
        `writers flat out (4 clients) + feed, wake: ${wake}`,
        `${fmt(result.rate)} tx/s; backlog max ${fmt(result.maxBacklog)}, caught up ${fmt(result.catchUpMs)} ms after`,
        `${(result.rate / raw).toFixed(2)}x`,
      ]);
      await truncate(db);
    }

    for (const wake of ["after-commit", "in-transaction"] as const) {
      const latency = await latencyAt(url, db, 1000, wake);
      rows.push([
        `commit-to-handler latency at ${fmt(latency.achieved)} events/s (NOTIFY ${wake})`,
        `p50 ${fmt(latency.p50, 2)} ms, p99 ${fmt(latency.p99, 2)} ms, max ${fmt(latency.max, 1)} ms`,
        "",
      ]);
      await truncate(db);
    }

    await fillBacklog(db, BACKLOG);
    const feedSeconds = await drainFeed(url, db);
    rows.push([`drain ${fmt(BACKLOG)} backlog: ordered feed (1 relay)`, `${fmt(feedSeconds, 1)} s = ${fmt(BACKLOG / feedSeconds)} events/s`, `${(BACKLOG / feedSeconds / raw).toFixed(2)}x`]);
    for (const count of [1, 2]) {
      const seconds = await drainWorkers(url, count, `drain_${count}`);
      rows.push([
        `drain ${fmt(BACKLOG)} backlog: worker group, ${count} worker${count > 1 ? "s" : ""}`,
        `${fmt(seconds, 1)} s = ${fmt(BACKLOG / seconds)} events/s`,
        `${(BACKLOG / seconds / raw).toFixed(2)}x`,
      ]);
    }
  } finally {
    await db.destroy();
    await admin(`drop database if exists "${name}" with (force)`);
  }
  const width = Math.max(...rows.map((row) => row[0].length));
  const width2 = Math.max(...rows.map((row) => row[1].length));
  console.log(`\n${"measurement".padEnd(width)} | ${"result".padEnd(width2)} | vs raw insert`);
  console.log(`${"-".repeat(width)}-|-${"-".repeat(width2)}-|--------------`);
  for (const [what, result, ratio] of rows) console.log(`${what.padEnd(width)} | ${result.padEnd(width2)} | ${ratio}`);
}

await main();
