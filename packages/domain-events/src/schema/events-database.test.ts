import { useTestDatabase } from "@org/test-harness";
import type { Kysely } from "kysely";
import { expect, test } from "vitest";
import { defineEventCatalog } from "../catalog/define-event-catalog.js";
import { createEventStore } from "../read/postgres-event-store.js";
import { recordEvent } from "../write/record-event.js";
import { createEventWriter } from "../write/event-writer.js";
import { z } from "zod";
import type { EventsDatabase, EventsTable } from "./events-table.js";
import { migrate } from "./migrate.js";

/** The caller's own database type: the events table beside the app's tables. */
interface AppDatabase extends EventsDatabase {
  notes: { id: string; body: string };
}
interface AuditDatabase {
  audit_events: EventsTable;
}

const database = useTestDatabase();

test("entry points take the caller's typed Kysely and its transactions, with no cast", async () => {
  const db = database.db as Kysely<AppDatabase>;
  await migrate(db);
  const id = await db.transaction().execute((tx) =>
    recordEvent(tx, "payment", "pay_1", "payment.created", { paymentId: "pay_1", amount: "1.00", currency: "USDC" }),
  );
  expect((await createEventStore(db).getEvent(id))?.payload).toMatchObject({ currency: "USDC" });

  const audit = database.db as Kysely<AuditDatabase>;
  await migrate(audit, { tableName: "audit_events" });
  const writer = createEventWriter({ catalog: defineEventCatalog({ "note.added": z.object({ body: z.string() }) }), tableName: "audit_events" });
  const noteId = await writer.recordEvent(audit, "note", "n1", "note.added", { body: "hi" });
  expect((await createEventStore(audit, { tableName: "audit_events" }).getEvent(noteId))?.eventType).toBe("note.added");
});

// Checked by `pnpm typecheck` (each line must be a compile error); never run.
export function typosAreCompileErrors(db: Kysely<AppDatabase>, audit: Kysely<AuditDatabase>) {
  // @ts-expect-error a typo in the table name
  createEventStore(db, { tableName: "domain_evnts" });
  // @ts-expect-error a database type without the events table
  createEventStore(audit);
  // @ts-expect-error the default table is not in this database type
  void migrate(audit);
  const writer = createEventWriter({ catalog: defineEventCatalog({ "note.added": z.object({ body: z.string() }) }), tableName: "audit_events" });
  // @ts-expect-error this writer's table is not in the app's database type
  void writer.recordEvent(db, "note", "n1", "note.added", { body: "hi" });
}
