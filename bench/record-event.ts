/**
 * What recordEvent costs inside a state-change transaction, on one
 * connection (1 client), against the same transaction with a hand-written
 * INSERT of the same event row, and against the state change alone.
 *
 *   node --conditions=@org/source --import tsx bench/record-event.ts
 *
 * The hand-written INSERT goes into the same events table, so the table's
 * version trigger assigns its aggregate version as it does for recordEvent.
 *
 * Variants run interleaved in rounds, so that drift of the machine hits all
 * of them alike; each figure is the median round.
 *
 * Writes bench/results/record-event.json. BENCH_QUICK=1 is the smoke form
 * (1 round of 200 transactions; bench/results/quick/record-event.json).
 */
import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import { sql, type Kysely } from "kysely";
import pg from "pg";
import { migrate, newEventId, recordEvent } from "@org/events";
import { createPostgresDatabase } from "@org/events/pg";
import { numberSetting, QUICK, writeResults } from "./support/results.js";

const BASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const ROUNDS = numberSetting("BENCH_ROUNDS", 7, 1);
const TX_PER_ROUND = numberSetting("BENCH_TX", 1500, 200);
const AGGREGATES = 100;

type Variant = (db: Kysely<any>, i: number) => Promise<void>;

const statusUpdate = (tx: Kysely<any>, id: string, i: number) =>
  sql`update settlements set confirmations = ${i}, updated_at = now() where id = ${id}`.execute(tx);

const payload = (id: string, i: number) => ({ settlementId: id, confirmations: i, required: 30, network: "polygon" });

export function variants(): Record<string, Variant> {
  const bareVersions = new Map<string, number>();
  const handInsert = (tx: Kysely<any>, id: string, i: number) =>
    sql`insert into domain_events (id, aggregate_type, aggregate_id, event_type, payload)
      values (${newEventId()}, 'settlement', ${`hand_${id}`}, 'settlement.confirmation_progress', ${JSON.stringify(payload(id, i))}::jsonb)`.execute(tx);
  return {
    "state change alone": (db, i) =>
      db.transaction().execute(async (tx) => {
        await statusUpdate(tx, `stl_${i % AGGREGATES}`, i);
      }),
    "+ hand-written INSERT": (db, i) =>
      db.transaction().execute(async (tx) => {
        const id = `stl_${i % AGGREGATES}`;
        await statusUpdate(tx, id, i);
        await handInsert(tx, id, i);
      }),
    // For transparency: the same row in a copy of the table without the
    // version trigger, the version counted in the client.
    "+ hand-written INSERT, no version trigger": (db, i) =>
      db.transaction().execute(async (tx) => {
        const id = `stl_${i % AGGREGATES}`;
        await statusUpdate(tx, id, i);
        const version = (bareVersions.get(id) ?? 0) + 1;
        bareVersions.set(id, version);
        await sql`insert into bare_events (id, aggregate_type, aggregate_id, aggregate_version, event_type, payload)
          values (${newEventId()}, 'settlement', ${id}, ${version}, 'settlement.confirmation_progress', ${JSON.stringify(payload(id, i))}::jsonb)`.execute(tx);
      }),
    "+ recordEvent": (db, i) =>
      db.transaction().execute(async (tx) => {
        const id = `stl_${i % AGGREGATES}`;
        await statusUpdate(tx, id, i);
        await recordEvent(tx, "settlement", id, "settlement.confirmation_progress", payload(id, i));
      }),
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function run(): Promise<Record<string, number>> {
  const name = `bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: BASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(BASE_URL);
  url.pathname = `/${name}`;
  const { db } = createPostgresDatabase({ connectionString: url.toString(), max: 1 });
  try {
    await migrate(db);
    await sql`create table settlements (id text primary key, confirmations int not null default 0, updated_at timestamptz)`.execute(db);
    await sql`create table bare_events (like domain_events including all)`.execute(db);
    await sql`insert into settlements (id) select 'stl_' || g from generate_series(0, ${AGGREGATES - 1}) g`.execute(db);

    const all = variants();
    const timings = new Map<string, number[]>(Object.keys(all).map((k) => [k, []]));
    let counter = 0;
    for (let round = 0; round < ROUNDS + 1; round++) {
      for (const [label, variant] of Object.entries(all)) {
        const started = process.hrtime.bigint();
        for (let i = 0; i < TX_PER_ROUND; i++) await variant(db, counter++);
        const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
        if (round > 0) timings.get(label)!.push(elapsedMs); // round 0 warms up
      }
    }

    const perTx = Object.fromEntries([...timings].map(([label, ms]) => [label, median(ms) / TX_PER_ROUND]));
    const hand = perTx["+ hand-written INSERT"]!;
    console.log(`\nrecordEvent cost, 1 connection, ${ROUNDS} rounds x ${TX_PER_ROUND} transactions (median round)`);
    console.log("| transaction | ms/tx | tx/s | time vs hand-written INSERT |");
    console.log("|---|---|---|---|");
    for (const [label, ms] of Object.entries(perTx)) {
      console.log(`| ${label} | ${ms.toFixed(3)} | ${Math.round(1000 / ms)} | ${(ms / hand).toFixed(3)}x |`);
    }
    const ratio = perTx["+ recordEvent"]! / hand;
    console.log(`recordEvent / hand-written INSERT = ${ratio.toFixed(3)} (goal <= 1.10: ${ratio <= 1.1 ? "met" : "NOT met"})`);
    return { ...perTx, ratio };
  } finally {
    await db.destroy();
    await admin.query(`drop database if exists ${name}`).catch(() => admin.query(`drop database if exists ${name} with (force)`));
    await admin.end();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  const startedAt = new Date().toISOString();
  const { ratio, ...msPerTx } = await run();
  const file = writeResults("record-event", { benchmark: "record-event", quick: QUICK, startedAt, rounds: ROUNDS, transactionsPerRound: TX_PER_ROUND, msPerTx, ratio });
  console.error(`wrote ${file}`);
}
