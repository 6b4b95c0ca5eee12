import { useTestDatabase } from "@org/test-harness";
import { sql } from "kysely";
import { expect, test } from "vitest";
import { createEventStore } from "../read/postgres-event-store.js";
import { recordEvents } from "../write/record-event.js";
import { migrate } from "./migrate.js";

const database = useTestDatabase();

test("after the table is analyzed while empty, version assignment still looks up the index, not a scan per row", async () => {
  const db = database.db;
  await migrate(db);
  await sql`vacuum analyze domain_events, domain_events_streams`.execute(db);
  const events = Array.from({ length: 300 }, (_, i) => ({
    aggregateType: "payment",
    aggregateId: `pay_${i % 7}`,
    eventType: "payment.created" as const,
    payload: { paymentId: `pay_${i % 7}`, amount: "1.00", currency: "USD" },
  }));
  const sequentialScans = await db.transaction().execute(async (tx) => {
    await recordEvents(tx, events);
    const { rows } = await sql<{ scans: string }>`
      select pg_stat_get_xact_numscans('domain_events'::regclass) + pg_stat_get_xact_numscans('domain_events_streams'::regclass) as scans`.execute(tx);
    return Number(rows[0]!.scans);
  });
  // A few come from the first executions' custom plans; a scan per row (300+) is the bug.
  expect(sequentialScans).toBeLessThan(events.length / 10);
  const history = await createEventStore(db).getAggregateEvents("payment", "pay_3");
  expect(history.map((e) => e.aggregateVersion)).toEqual(Array.from({ length: history.length }, (_, i) => i + 1));
});
