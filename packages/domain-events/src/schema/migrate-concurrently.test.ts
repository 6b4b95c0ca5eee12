import { useTestDatabase } from "@org/test-harness";
import { sql } from "kysely";
import { expect, test } from "vitest";
import { createEventStore } from "../read/postgres-event-store.js";
import { createEventWriter } from "../write/event-writer.js";
import { platformCatalog } from "../catalog/platform-catalog.js";
import { migrate } from "./migrate.js";

const database = useTestDatabase();

test("several processes migrating at once apply each migration exactly once", async () => {
  const pools = Array.from({ length: 5 }, () => database.connect({ max: 2 }));
  const applied = await Promise.all(pools.map((db) => migrate(db)));
  expect(applied.flat()).toEqual(["0001_create_events_table"]);
  expect(await migrate(database.db)).toEqual([]);
});

test("the table name is configurable, with its own migrations", async () => {
  await migrate(database.db, { tableName: "audit_events" });
  const writer = createEventWriter({ catalog: platformCatalog, tableName: "audit_events" });
  const id = await writer.recordEvent(database.db, "payment", "pay_1", "payment.refunded", { paymentId: "pay_1", refundAmount: "2.00" });
  expect((await createEventStore(database.db, { tableName: "audit_events" }).getEvent(id))?.eventType).toBe("payment.refunded");
  const { rows } = await sql<{ n: string }>`select count(*) as n from audit_events_migrations`.execute(database.db);
  expect(Number(rows[0]!.n)).toBe(1);
  expect(() => createEventStore(database.db, { tableName: "bad; drop table x" })).toThrow(expect.objectContaining({ name: "EventsError", code: "invalid_options" }));
});
