import { sql, type Kysely } from "kysely";
import { beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { defineEventCatalog } from "../catalog/define-event-catalog.js";
import { platformCatalog } from "../catalog/platform-catalog.js";
import { ConcurrencyError, isEventsError, UnknownEventTypeError, ValidationError } from "../errors.js";
import { defineProjection } from "../fold/projection.js";
import { reconstruct } from "../fold/reconstruct.js";
import { createEventStore } from "../read/postgres-event-store.js";
import { migrate } from "../schema/migrate.js";
import { createEventWriter } from "../write/event-writer.js";
import { recordEvent, recordEvents, recordWithState } from "../write/record-event.js";

const created = (settlementId: string) => ({ settlementId, network: "polygon", amount: "125.50" });

/**
 * The core contract of @org/events, run on every dialect: PostgreSQL through
 * pg, and embedded PGlite.
 */
export function describeEventsContract(dialect: string, connection: { readonly db: Kysely<any> }) {
  describe(`@org/events contract on ${dialect}`, () => {
    let db: Kysely<any>;
    beforeAll(async () => {
      db = connection.db;
      await migrate(db);
      await sql`create table settlements (id text primary key, status text not null)`.execute(db);
    });

    const count = async (aggregateId: string) =>
      Number((await sql<{ n: string }>`select count(*) as n from domain_events where aggregate_id = ${aggregateId}`.execute(db)).rows[0]!.n);

    test("an event commits with the caller's transaction", async () => {
      const id = await db.transaction().execute(async (tx) => {
        await tx.insertInto("settlements").values({ id: "stl_commit", status: "pending" }).execute();
        return recordEvent(tx, "settlement", "stl_commit", "settlement.created", created("stl_commit"));
      });
      expect(id).toMatch(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
      const event = await createEventStore(db).getEvent(id);
      expect(event).toMatchObject({
        id,
        tenantId: "default",
        aggregateType: "settlement",
        aggregateId: "stl_commit",
        aggregateVersion: 1,
        eventType: "settlement.created",
        schemaVersion: 1,
        payload: created("stl_commit"),
        metadata: {},
        publishedAt: null,
      });
      expect(typeof event!.position).toBe("number");
      expect(event!.transactionId).toMatch(/^\d+$/);
      expect(event!.createdAt).toBeInstanceOf(Date);
    });

    test("the caller's rollback leaves neither state nor event", async () => {
      await expect(
        db.transaction().execute(async (tx) => {
          await tx.insertInto("settlements").values({ id: "stl_rollback", status: "pending" }).execute();
          await recordEvent(tx, "settlement", "stl_rollback", "settlement.created", created("stl_rollback"));
          throw new Error("business rule failed after the event was recorded");
        }),
      ).rejects.toThrow("business rule failed");
      expect(await count("stl_rollback")).toBe(0);
      expect(await db.selectFrom("settlements").where("id", "=", "stl_rollback").selectAll().execute()).toEqual([]);
    });

    test("an invalid event throws a typed error naming the field, and the transaction does not commit", async () => {
      const attempt = db.transaction().execute(async (tx) => {
        await tx.insertInto("settlements").values({ id: "stl_invalid", status: "pending" }).execute();
        await recordEvent(tx, "settlement", "stl_invalid", "settlement.created", { ...created("stl_invalid"), amount: 12.5 as never });
      });
      await expect(attempt).rejects.toBeInstanceOf(ValidationError);
      await expect(attempt).rejects.toMatchObject({ code: "validation_failed", field: "payload.amount" });
      expect(await db.selectFrom("settlements").where("id", "=", "stl_invalid").selectAll().execute()).toEqual([]);
      await expect(recordEvent(db, "settlement", "x", "settlement.exploded" as never, {} as never)).rejects.toBeInstanceOf(UnknownEventTypeError);
      expect(await count("x")).toBe(0);
    });

    test("the same tenant and idempotency key returns the first id and writes nothing", async () => {
      const options = { tenantId: "acme", idempotencyKey: "create-stl_idem" };
      const first = await recordEvent(db, "settlement", "stl_idem", "settlement.created", created("stl_idem"), options);
      const again = await recordEvent(db, "settlement", "stl_idem", "settlement.created", created("stl_idem"), options);
      expect(again).toBe(first);
      expect(await count("stl_idem")).toBe(1);
      const otherTenant = await recordEvent(db, "settlement", "stl_idem_b", "settlement.created", created("stl_idem_b"), { ...options, tenantId: "globex" });
      expect(otherTenant).not.toBe(first);
    });

    test("a stale expectedVersion is a ConcurrencyError and writes nothing", async () => {
      await recordEvent(db, "settlement", "stl_occ", "settlement.created", created("stl_occ"), { expectedVersion: 0 });
      const failing = recordEvent(db, "settlement", "stl_occ", "settlement.failed", { settlementId: "stl_occ", network: null, error: "x" }, { expectedVersion: 0 });
      await expect(failing).rejects.toBeInstanceOf(ConcurrencyError);
      await expect(failing).rejects.toMatchObject({ code: "concurrency_conflict", aggregateId: "stl_occ", expectedVersion: 0 });
      await expect(
        recordEvent(db, "settlement", "stl_occ", "settlement.failed", { settlementId: "stl_occ", network: null, error: "x" }, { expectedVersion: 5 }),
      ).rejects.toBeInstanceOf(ConcurrencyError);
      expect(await count("stl_occ")).toBe(1);
      await recordEvent(db, "settlement", "stl_occ", "settlement.failed", { settlementId: "stl_occ", network: null, error: "x" }, { expectedVersion: 1 });
      expect(await count("stl_occ")).toBe(2);
    });

    test("recordEvents writes a batch in one statement with consecutive versions, all or nothing", async () => {
      const ids = await recordEvents(db, [
        { aggregateType: "payment", aggregateId: "pay_batch", eventType: "payment.created", payload: { paymentId: "pay_batch", amount: "10.00", currency: "USD" } },
        { aggregateType: "payment", aggregateId: "pay_batch", eventType: "payment.status_changed", payload: { paymentId: "pay_batch", fromStatus: "pending", toStatus: "captured" } },
        { aggregateType: "payment", aggregateId: "pay_other", eventType: "payment.created", payload: { paymentId: "pay_other", amount: "1", currency: "EUR" } },
      ]);
      expect(ids).toHaveLength(3);
      const history = await createEventStore(db).getAggregateEvents("payment", "pay_batch");
      expect(history.map((e) => [e.id, e.aggregateVersion])).toEqual([[ids[0], 1], [ids[1], 2]]);
      const bad = recordEvents(db, [
        { aggregateType: "payment", aggregateId: "pay_bad", eventType: "payment.created", payload: { paymentId: "pay_bad", amount: "1", currency: "USD" } },
        { aggregateType: "payment", aggregateId: "pay_bad", eventType: "payment.refunded", payload: { paymentId: "pay_bad", refundAmount: "-1" } },
      ]);
      await expect(bad).rejects.toMatchObject({ field: "events[1].payload.refundAmount" });
      expect(await count("pay_bad")).toBe(0);
      await expect(recordEvents(db, "not events" as never)).rejects.toMatchObject({ code: "validation_failed", field: "events" });
    });

    test("a payload over the configured size is refused", async () => {
      const catalog = defineEventCatalog({ "note.added": z.object({ text: z.string() }) });
      const writer = createEventWriter({ catalog, maxPayloadBytes: 100 });
      await expect(writer.recordEvent(db, "note", "n1", "note.added", { text: "x".repeat(200) })).rejects.toMatchObject({
        code: "validation_failed",
        field: "payload",
      });
      expect(await count("n1")).toBe(0);
    });

    test("store reads: one aggregate in order, by type, after a position with filters", async () => {
      const store = createEventStore(db);
      const start = (await store.readAfter(null, { limit: 100_000 })).checkpoint;
      await recordEvent(db, "payment", "pay_r", "payment.created", { paymentId: "pay_r", amount: "5.00", currency: "USD" }, { tenantId: "t-read" });
      await recordEvent(db, "payment", "pay_r", "payment.refunded", { paymentId: "pay_r", refundAmount: "5.00" }, { tenantId: "t-read" });
      await recordEvent(db, "settlement", "stl_r", "settlement.created", created("stl_r"), { tenantId: "t-read" });
      await recordEvent(db, "settlement", "stl_r2", "settlement.created", created("stl_r2"), { tenantId: "t-other" });

      const page = await store.readAfter(start);
      expect(page.events.map((e) => e.aggregateId)).toEqual(["pay_r", "pay_r", "stl_r", "stl_r2"]);
      const tenantOnly = await store.readAfter(start, { tenantId: "t-read", types: ["settlement.*"] });
      expect(tenantOnly.events.map((e) => e.aggregateId)).toEqual(["stl_r"]);
      const byType = await store.getEventsByType("payment.refunded", { tenantId: "t-read" });
      expect(byType.map((e) => e.aggregateId)).toEqual(["pay_r"]);
      const future = await store.readAfter(start, { from: new Date(Date.now() + 60_000) });
      expect(future.events).toEqual([]);
      const firstTwo = await store.readAfter(start, { until: await store.getCheckpoint(page.events[1]!.id) });
      expect(firstTwo.events.map((e) => e.id)).toEqual(page.events.slice(0, 2).map((e) => e.id));
      const resumed = await store.readAfter(firstTwo.checkpoint, { limit: 1 });
      expect(resumed.events.map((e) => e.id)).toEqual([page.events[2]!.id]);
      await expect(store.readAfter(start, { types: ["settle%"] })).rejects.toBeInstanceOf(ValidationError);
    });

    test("reconstruction rebuilds an aggregate's state from its events alone", async () => {
      const projection = defineProjection(platformCatalog, {
        initialState: () => ({ status: "none", amount: "0", refunded: 0 }),
        on: {
          "payment.created": (s, e) => ({ ...s, status: "pending", amount: e.payload.amount }),
          "payment.status_changed": (s, e) => ({ ...s, status: e.payload.toStatus }),
          "payment.refunded": (s, e) => ({ ...s, refunded: s.refunded + Number(e.payload.refundAmount) }),
        },
      });
      await recordEvents(db, [
        { aggregateType: "payment", aggregateId: "pay_fold", eventType: "payment.created", payload: { paymentId: "pay_fold", amount: "20.00", currency: "USD" } },
        { aggregateType: "payment", aggregateId: "pay_fold", eventType: "payment.status_changed", payload: { paymentId: "pay_fold", fromStatus: "pending", toStatus: "captured" } },
        { aggregateType: "payment", aggregateId: "pay_fold", eventType: "payment.refunded", payload: { paymentId: "pay_fold", refundAmount: "7.5" } },
      ]);
      const events = await createEventStore(db).getAggregateEvents("payment", "pay_fold");
      expect(reconstruct(events, projection)).toEqual({ state: { status: "captured", amount: "20.00", refunded: 7.5 }, version: 3, eventCount: 3 });
      expect(() => reconstruct([events[0]!, events[2]!], projection)).toThrow(/expected 2/);
    });

    describe("recordWithState: the state change and its events in one statement", () => {
      const insertState = (id: string) => db.insertInto("settlements").values({ id, status: "pending" }).onConflict((c) => c.column("id").doNothing()).returningAll();
      const createdEvent = (id: string, extra: object = {}) => ({ aggregateType: "settlement", aggregateId: id, eventType: "settlement.created" as const, payload: created(id), ...extra });
      const stateOf = async (id: string) => (await db.selectFrom("settlements").selectAll().where("id", "=", id).execute()) as { id: string; status: string }[];

      test("writes both, returns the state's rows and the event ids, in one round trip and without a transaction", async () => {
        const { rows, eventIds } = await recordWithState(db, insertState("stl_with_state"), [
          createdEvent("stl_with_state"),
          { aggregateType: "settlement", aggregateId: "stl_with_state", eventType: "settlement.status_changed", payload: { settlementId: "stl_with_state", fromStatus: "pending", toStatus: "submitted", network: "polygon" } },
        ]);
        expect(rows).toEqual([{ id: "stl_with_state", status: "pending" }]);
        expect(eventIds).toHaveLength(2);
        const events = await createEventStore(db).getAggregateEvents("settlement", "stl_with_state");
        expect(events.map((e) => [e.id, e.aggregateVersion, e.eventType])).toEqual([
          [eventIds[0], 1, "settlement.created"],
          [eventIds[1], 2, "settlement.status_changed"],
        ]);
      });

      test("no state row returned: no event written (a skipped duplicate writes nothing)", async () => {
        await recordWithState(db, insertState("stl_with_state_dup"), [createdEvent("stl_with_state_dup")]);
        const again = await recordWithState(db, insertState("stl_with_state_dup"), [createdEvent("stl_with_state_dup")]);
        expect(again).toEqual({ rows: [], eventIds: [] });
        expect(await count("stl_with_state_dup")).toBe(1);
      });

      test("an event that fails in the database (a version taken by another writer) fails the state change with it", async () => {
        await recordWithState(db, insertState("stl_with_state_key"), [createdEvent("stl_with_state_key")]);
        // a version that another writer took: ConcurrencyError, state untouched
        const conflict = recordWithState(db, db.updateTable("settlements").set({ status: "confirmed" }).where("id", "=", "stl_with_state_key").returning(["id"]), [
          { aggregateType: "settlement", aggregateId: "stl_with_state_key", eventType: "settlement.status_changed", expectedVersion: 0, payload: { settlementId: "stl_with_state_key", fromStatus: "pending", toStatus: "confirmed", network: "polygon" } },
        ]);
        await expect(conflict).rejects.toBeInstanceOf(ConcurrencyError);
        expect(await stateOf("stl_with_state_key")).toEqual([{ id: "stl_with_state_key", status: "pending" }]);
        expect(await count("stl_with_state_key")).toBe(1);
      });

      test("bad input is refused before any SQL: an invalid event, no events, an idempotency key, a state without RETURNING", async () => {
        await expect(recordWithState(db, insertState("stl_with_state_bad"), [{ ...createdEvent("stl_with_state_bad"), payload: { amount: 1 } as never }])).rejects.toBeInstanceOf(ValidationError);
        await expect(recordWithState(db, insertState("stl_with_state_bad"), [])).rejects.toBeInstanceOf(ValidationError);
        // an event's idempotency key could skip the event and keep the state: dedupe on the state instead
        await expect(recordWithState(db, insertState("stl_with_state_bad"), [createdEvent("stl_with_state_bad", { idempotencyKey: "k" })])).rejects.toMatchObject({
          code: "validation_failed",
          field: "events[0].idempotencyKey",
        });
        const noReturning = db.insertInto("settlements").values({ id: "stl_with_state_bad", status: "pending" });
        await expect(recordWithState(db, noReturning as never, [createdEvent("stl_with_state_bad")])).rejects.toSatisfy((error) => isEventsError(error, "invalid_argument"));
        expect(await stateOf("stl_with_state_bad")).toEqual([]);
        expect(await count("stl_with_state_bad")).toBe(0);
      });

      test("inside the caller's transaction, a rollback takes both back", async () => {
        await expect(
          db.transaction().execute(async (tx) => {
            await recordWithState(tx, tx.insertInto("settlements").values({ id: "stl_with_state_tx", status: "pending" }).returningAll(), [createdEvent("stl_with_state_tx")]);
            throw new Error("rolled back");
          }),
        ).rejects.toThrow("rolled back");
        expect(await stateOf("stl_with_state_tx")).toEqual([]);
        expect(await count("stl_with_state_tx")).toBe(0);
      });
    });
  });
}
