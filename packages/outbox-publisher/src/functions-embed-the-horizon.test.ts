import { commitSafeHorizon } from "@org/events";
import { useTestDatabase } from "@org/test-harness";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { expect, test } from "vitest";
import { setUpOutbox } from "./test-support/fixtures.js";

const database = useTestDatabase();
const squeeze = (text: string) => text.replace(/\s+/g, " ").trim();

/**
 * The fill and the feed's read are functions made by migrations 0004–0006:
 * each holds the commit-safe horizon as commitSafeHorizon() wrote it when
 * the migration ran, and a database migrated then keeps that text. A change
 * to commitSafeHorizon() fails here: add a migration that recreates those
 * functions, then update this text.
 */
const HORIZON_OF_THE_SHIPPED_FUNCTIONS =
  "( select coalesce(min(running.xid), pg_snapshot_xmax(pg_current_snapshot())) from pg_snapshot_xip(pg_current_snapshot()) as running(xid) " +
  "where not exists ( select 1 from pg_stat_get_activity(null) elsewhere where elsewhere.backend_xid = running.xid::xid " +
  "and elsewhere.datid <> (select oid from pg_database where datname = current_database()) ) )";

test("the outbox's functions read with the commit-safe horizon of today's @org/events", async () => {
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 1 }) }) });
  try {
    await setUpOutbox(db);
    const horizon = squeeze(commitSafeHorizon().compile(db).sql);
    expect(horizon).toBe(HORIZON_OF_THE_SHIPPED_FUNCTIONS);
    const { rows } = await sql<{ name: string; body: string }>`
      select proname as name, prosrc as body from pg_proc
      where proname in ('domain_events_deliveries_fill', 'domain_events_deliveries_feed_read') order by proname`.execute(db);
    expect(rows.map((row) => row.name)).toEqual(["domain_events_deliveries_feed_read", "domain_events_deliveries_fill"]);
    for (const row of rows) expect(squeeze(row.body), row.name).toContain(horizon);
  } finally {
    await db.destroy();
  }
});
