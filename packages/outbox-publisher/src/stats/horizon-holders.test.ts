import { randomBytes } from "node:crypto";
import { useTestDatabase } from "@org/test-harness";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { setUpOutbox, writeEvents } from "../test-support/fixtures.js";
import { readOutboxStats } from "./read-outbox-stats.js";

const database = useTestDatabase();
// A role of its own (roles are server-wide: a unique name, dropped afterwards) without pg_read_all_stats.
const role = `outbox_stats_${randomBytes(4).toString("hex")}`;
let limited: Kysely<any>;

beforeAll(async () => {
  await setUpOutbox(database.db);
  await sql`create role ${sql.id(role)} login`.execute(database.db);
  await sql`grant select on all tables in schema public to ${sql.id(role)}`.execute(database.db);
  const url = new URL(database.url);
  url.username = role;
  url.password = "";
  limited = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url.toString(), max: 1 }) }) });
});
afterAll(async () => {
  await limited?.destroy();
  await sql`drop owned by ${sql.id(role)}`.execute(database.db);
  await sql`drop role if exists ${sql.id(role)}`.execute(database.db);
});

test("the stats count the open transactions the commit-safe horizon counts, also those a role cannot see in pg_stat_activity", async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let opened!: () => void;
  const isOpen = new Promise<void>((resolve) => (opened = resolve));
  // another role's transaction in this database, with a transaction id: it holds every commit-safe reader back
  const open = database.db.transaction().execute(async (tx) => {
    await sql`select pg_current_xact_id()`.execute(tx);
    opened();
    await held;
  });
  await isOpen;
  // a later transaction commits: its events now wait behind the open one
  await writeEvents(database.db, 1);
  try {
    const seenBySuperuser = await readOutboxStats(database.db);
    const seenByRole = await readOutboxStats(limited);
    expect(seenBySuperuser.openTransactionsHoldingReaders).toBeGreaterThanOrEqual(1);
    expect(seenBySuperuser.oldestOpenTransactionAgeMs).not.toBeNull();
    // the role cannot see that session's xid or start, but the horizon counts it, and so must the stats
    expect(seenByRole.openTransactionsHoldingReaders).toBeGreaterThanOrEqual(1);
  } finally {
    release();
    await open;
  }
});
