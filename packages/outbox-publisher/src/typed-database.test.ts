import { migrate as migrateEvents, recordEvent, type EventsDatabase } from "@org/events";
import { useTestDatabase } from "@org/test-harness";
import type { Kysely } from "kysely";
import { expect, test } from "vitest";
import { createDeadLetterQueue } from "./dead-letters.js";
import { createEventPublisher } from "./feed/ordered-feed.js";
import { migrate } from "./migrations.js";
import { replayEvents } from "./replay.js";
import { deleteOldEvents } from "./retention.js";
import { readOutboxStats } from "./stats/read-outbox-stats.js";
import { createEventWorker } from "./worker/event-worker.js";
import { createLogFollower } from "./follow/log-follower.js";

/** The caller's own database type: the events table beside the app's tables. */
interface AppDatabase extends EventsDatabase {
  notes: { id: string };
}

const database = useTestDatabase();

test("entry points take the caller's typed Kysely, with no cast", async () => {
  const db = database.db as Kysely<AppDatabase>;
  await migrateEvents(db);
  await migrate(db);
  await db.transaction().execute((tx) => recordEvent(tx, "payment", "pay_1", "payment.created", { paymentId: "pay_1", amount: "1.00", currency: "USDC" }));
  const seen: string[] = [];
  expect(await replayEvents(db, {}, (event) => void seen.push(event.eventType))).toBe(1);
  expect(seen).toEqual(["payment.created"]);
  expect((await readOutboxStats(db)).backlog).toBe(1);
  expect(await createDeadLetterQueue(db).list()).toMatchObject({ items: [] });
  expect(await deleteOldEvents(db)).toBe(0);
  expect(createEventPublisher(db).getStats().isLeader).toBe(false);
  expect(typeof createEventWorker(db, { group: "mail", handler: () => {} }).start).toBe("function");
});

// Checked by `pnpm typecheck` (each line must be a compile error); never run.
export function typosAreCompileErrors(db: Kysely<AppDatabase>, other: Kysely<{ notes: { id: string } }>) {
  // @ts-expect-error a typo in the events table name
  createEventPublisher(db, { tableName: "domain_evnts" });
  // @ts-expect-error a database type without the events table
  createEventWorker(other, { group: "mail", handler: () => {} });
  // @ts-expect-error a typo in the events table name
  void migrate(db, { tableName: "domain_evnts" });
  // @ts-expect-error a database type without the events table
  void readOutboxStats(other);
  // @ts-expect-error a typo in the events table name
  createLogFollower(db, { tableName: "domain_evnts" });
  createLogFollower(db);
}
