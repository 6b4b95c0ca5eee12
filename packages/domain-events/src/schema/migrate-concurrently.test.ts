import { useTestDatabase } from "@org/test-harness";
import { sql } from "kysely";
import { expect, test } from "vitest";
import { createEventStore } from "../read/postgres-event-store.js";
import { createEventWriter } from "../write/event-writer.js";
import { platformCatalog } from "../catalog/platform-catalog.js";
import { migrate, runMigrations } from "./migrate.js";
import { eventsMigrations } from "./migrations.js";

const database = useTestDatabase();

test("several processes migrating at once apply each migration exactly once", async () => {
  const pools = Array.from({ length: 5 }, () => database.connect({ max: 2 }));
  const applied = await Promise.all(pools.map((db) => migrate(db)));
  expect(applied.flat()).toEqual(Object.keys(eventsMigrations("domain_events")));
  expect(await migrate(database.db)).toEqual([]);
});

test("the table name is configurable, with its own migrations", async () => {
  await migrate(database.db, { tableName: "audit_events" });
  const writer = createEventWriter({ catalog: platformCatalog, tableName: "audit_events" });
  const id = await writer.recordEvent(database.db, "payment", "pay_1", "payment.refunded", { paymentId: "pay_1", refundAmount: "2.00" });
  expect((await createEventStore(database.db, { tableName: "audit_events" }).getEvent(id))?.eventType).toBe("payment.refunded");
  const { rows } = await sql<{ n: string }>`select count(*) as n from audit_events_migrations`.execute(database.db);
  expect(Number(rows[0]!.n)).toBe(Object.keys(eventsMigrations("audit_events")).length);
  expect(() => createEventStore(database.db, { tableName: "bad; drop table x" })).toThrow(expect.objectContaining({ name: "EventsError", code: "invalid_options" }));
});

test("the aggregate-streams migration carries each aggregate's last version over from the events written before it", async () => {
  const db = database.connect({ max: 2 });
  const migrations = eventsMigrations("legacy_events");
  await runMigrations(db, "legacy_events_migrations", { "0001_create_events_table": migrations["0001_create_events_table"]! });
  const writer = createEventWriter({ catalog: platformCatalog, tableName: "legacy_events" });
  for (let i = 0; i < 3; i++) await writer.recordEvent(db, "payment", "pay_old", "payment.refunded", { paymentId: "pay_old", refundAmount: "1.00" });
  expect(await migrate(db, { tableName: "legacy_events" })).toEqual(Object.keys(migrations).slice(1));
  await writer.recordEvent(db, "payment", "pay_old", "payment.refunded", { paymentId: "pay_old", refundAmount: "1.00" }, { expectedVersion: 3 });
  const history = await createEventStore(db, { tableName: "legacy_events" }).getAggregateEvents("payment", "pay_old");
  expect(history.map((e) => e.aggregateVersion)).toEqual([1, 2, 3, 4]);
});
