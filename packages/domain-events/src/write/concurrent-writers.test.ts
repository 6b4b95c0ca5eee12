import { useTestDatabase } from "@org/test-harness";
import { sql, type Kysely } from "kysely";
import { beforeAll, expect, test } from "vitest";
import { ConcurrencyError } from "../errors.js";
import { createEventStore } from "../read/postgres-event-store.js";
import { migrate } from "../schema/migrate.js";
import { recordEvent } from "./record-event.js";

const database = useTestDatabase();
let db: Kysely<any>;
beforeAll(async () => {
  db = database.connect({ max: 8 });
  await migrate(db);
});

const failed = (settlementId: string, error: string) => ({ settlementId, network: null, error });

/** Two transactions that both read version 1, then both append: exactly one wins. */
test("two concurrent writers with the same expectedVersion: one commits, the other gets a ConcurrencyError", async () => {
  await recordEvent(db, "settlement", "stl_race", "settlement.created", { settlementId: "stl_race", network: null, amount: "1" });
  let bothRead!: () => void;
  const barrier = new Promise<void>((resolve) => (bothRead = resolve));
  let arrived = 0;
  const writer = (name: string) =>
    db.transaction().execute(async (tx) => {
      const { version } = (await sql<{ version: number }>`select max(aggregate_version) as version from domain_events where aggregate_id = 'stl_race'`.execute(tx)).rows[0]!;
      if (++arrived === 2) bothRead();
      await barrier;
      return recordEvent(tx, "settlement", "stl_race", "settlement.failed", failed("stl_race", name), { expectedVersion: version });
    });

  const results = await Promise.allSettled([writer("a"), writer("b")]);
  const fulfilled = results.filter((r) => r.status === "fulfilled");
  const rejected = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
  expect(fulfilled).toHaveLength(1);
  expect(rejected).toHaveLength(1);
  expect(rejected[0]).toBeInstanceOf(ConcurrencyError);
  expect(rejected[0]).toMatchObject({ code: "concurrency_conflict", aggregateId: "stl_race", expectedVersion: 1 });
  const history = await createEventStore(db).getAggregateEvents("settlement", "stl_race");
  expect(history.map((e) => e.aggregateVersion)).toEqual([1, 2]);
});

/**
 * Transactions get their ids when they first write, not when they win the
 * row lock: one that queued behind a newer one is refused, and its retry
 * (a fresh transaction, a newer id) follows. Read order is version order.
 */
test("writers that serialise on the aggregate's row and retry on ConcurrencyError get consecutive versions, read in version order", async () => {
  await sql`create table counters (id text primary key, n int not null)`.execute(db);
  await db.insertInto("counters").values({ id: "stl_serial", n: 0 }).execute();
  await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      for (let attempt = 0; attempt < 40; attempt++) {
        try {
          return await db.transaction().execute(async (tx) => {
            await sql`update counters set n = n + 1 where id = 'stl_serial'`.execute(tx);
            await recordEvent(tx, "settlement", "stl_serial", "settlement.failed", failed("stl_serial", `attempt ${i}`));
          });
        } catch (error) {
          if (!(error instanceof ConcurrencyError)) throw error;
        }
      }
      throw new Error(`writer ${i} was refused 40 times`);
    }),
  );
  const store = createEventStore(db);
  const history = await store.getAggregateEvents("settlement", "stl_serial");
  expect(history.map((e) => e.aggregateVersion)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  const page = await store.readAfter(null, { aggregateIds: ["stl_serial"] });
  expect(page.events.map((e) => e.aggregateVersion)).toEqual(history.map((e) => e.aggregateVersion));
});

test("the same idempotency key from concurrent transactions writes one event and all get its id", async () => {
  for (let round = 0; round < 10; round++) {
    const aggregateId = `pay_idem_${round}`;
    const write = () =>
      db.transaction().execute((tx) =>
        recordEvent(tx, "payment", aggregateId, "payment.created", { paymentId: aggregateId, amount: "3.00", currency: "USD" }, {
          tenantId: "acme",
          idempotencyKey: `create-${aggregateId}`,
        }),
      );
    const ids = await Promise.all(Array.from({ length: 8 }, write));
    expect(new Set(ids).size).toBe(1);
    const history = await createEventStore(db).getAggregateEvents("payment", aggregateId);
    expect(history.map((e) => e.id)).toEqual([ids[0]]);
  }
});
