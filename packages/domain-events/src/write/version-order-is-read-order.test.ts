import { useTestDatabase } from "@org/test-harness";
import { sql, type Kysely } from "kysely";
import { beforeAll, expect, test } from "vitest";
import { ConcurrencyError } from "../errors.js";
import { createEventStore } from "../read/postgres-event-store.js";
import { migrate } from "../schema/migrate.js";
import { recordEvent, recordEvents } from "./record-event.js";

const database = useTestDatabase();
let db: Kysely<any>;

beforeAll(async () => {
  db = database.connect({ max: 8 });
  await migrate(db);
  await sql`create table other_rows (id serial primary key)`.execute(db);
});

const created = (paymentId: string) => ({ paymentId, amount: "1.00", currency: "USD" });
const changed = (paymentId: string) => ({ paymentId, fromStatus: "pending", toStatus: "settled" });

/**
 * The older transaction (it wrote another row first, so its transaction id
 * is older) appends after a newer one committed the aggregate's previous
 * version: accepted, its event would be read before the one it follows.
 */
test("an append from a transaction older than the aggregate's last writer is refused with a ConcurrencyError", async () => {
  for (let round = 0; round < 5; round++) {
    const aggregateId = `pay_race_${round}`;
    let older!: () => void;
    const newerCommitted = new Promise<void>((resolve) => (older = resolve));
    let started!: () => void;
    const olderHasId = new Promise<void>((resolve) => (started = resolve));
    const late = db.transaction().execute(async (tx) => {
      await sql`insert into other_rows default values`.execute(tx);
      started();
      await newerCommitted;
      return recordEvent(tx, "payment", aggregateId, "payment.status_changed", changed(aggregateId));
    });
    await olderHasId;
    await db.transaction().execute((tx) => recordEvent(tx, "payment", aggregateId, "payment.created", created(aggregateId)));
    older();
    await expect(late).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(late).rejects.toMatchObject({ code: "concurrency_conflict", aggregateId });
    // the retry in a fresh transaction gets a newer id and follows in both orders
    await db.transaction().execute((tx) => recordEvent(tx, "payment", aggregateId, "payment.status_changed", changed(aggregateId)));
    const page = await createEventStore(db).readAfter(null, { aggregateIds: [aggregateId] });
    expect(page.events.map((e) => e.aggregateVersion)).toEqual([1, 2]);
  }
});

test("a rolled-back writer leaves the aggregate to the next one, and batches keep consecutive versions", async () => {
  await db
    .transaction()
    .execute(async (tx) => {
      await recordEvent(tx, "payment", "pay_rb", "payment.created", created("pay_rb"));
      throw new Error("roll back");
    })
    .catch(() => {});
  await db.transaction().execute((tx) =>
    recordEvents(tx, [
      { aggregateType: "payment", aggregateId: "pay_rb", eventType: "payment.created", payload: created("pay_rb") },
      { aggregateType: "payment", aggregateId: "pay_rb", eventType: "payment.status_changed", payload: changed("pay_rb") },
    ]),
  );
  const history = await createEventStore(db).getAggregateEvents("payment", "pay_rb");
  expect(history.map((e) => e.aggregateVersion)).toEqual([1, 2]);
});

test("two tenants with the same aggregate id have a version sequence each and never conflict", async () => {
  await db.transaction().execute((tx) => recordEvent(tx, "payment", "pay_shared", "payment.created", created("pay_shared"), { tenantId: "acme" }));
  await db.transaction().execute((tx) =>
    recordEvent(tx, "payment", "pay_shared", "payment.created", created("pay_shared"), { tenantId: "globex", expectedVersion: 0 }),
  );
  // concurrent appends of the two tenants, each told its own expected version
  await Promise.all(
    ["acme", "globex"].map((tenantId) =>
      db.transaction().execute((tx) => recordEvent(tx, "payment", "pay_shared", "payment.status_changed", changed("pay_shared"), { tenantId, expectedVersion: 1 })),
    ),
  );
  const store = createEventStore(db);
  for (const tenantId of ["acme", "globex"]) {
    const history = await store.getAggregateEvents("payment", "pay_shared", { tenantId });
    expect(history.map((e) => [e.tenantId, e.aggregateVersion])).toEqual([
      [tenantId, 1],
      [tenantId, 2],
    ]);
  }
});
