import { useTestDatabase } from "@org/test-harness";
import { Kysely, PostgresDialect, sql, type CompiledQuery } from "kysely";
import pg from "pg";
import { expect, test } from "vitest";
import { migrate } from "../schema/migrate.js";
import { recordEvents } from "../write/record-event.js";
import { createEventStore } from "./postgres-event-store.js";

const database = useTestDatabase();

test("a read of the log is planned cheap on a new, unanalyzed table: no JIT compilation on every read", async () => {
  const queries: CompiledQuery[] = [];
  const pool = new pg.Pool({ connectionString: database.url, max: 1 });
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }), log: (event) => void queries.push(event.query) });
  try {
    await migrate(db);
    await recordEvents(
      db,
      Array.from({ length: 50 }, (_, i) => ({ aggregateType: "payment", aggregateId: `pay_${i}`, eventType: "payment.created" as const, payload: { paymentId: `pay_${i}`, amount: "1.00", currency: "USD" } })),
    );
    const store = createEventStore(db);
    const first = await store.readAfter(null, { limit: 10 });
    queries.length = 0;
    await store.readAfter(first.checkpoint, { limit: 500 });
    const reads = queries.filter((query) => query.sql.includes("low_water"));
    expect(reads).toHaveLength(1);
    const client = await pool.connect();
    const { rows } = await client.query<{ "QUERY PLAN": [{ Plan: { "Total Cost": number } }] }>(`explain (format json) ${reads[0]!.sql}`, [...reads[0]!.parameters]).finally(() => client.release());
    const { rows: settings } = await sql<{ setting: string }>`select setting from pg_settings where name = 'jit_above_cost'`.execute(db);
    // Seen before the fix: the small low-water table's default estimate (1,540 rows) multiplied the page's, cost ~100,000.
    expect(rows[0]!["QUERY PLAN"][0].Plan["Total Cost"]).toBeLessThan(Number(settings[0]!.setting) / 10);
  } finally {
    await db.destroy();
  }
});
