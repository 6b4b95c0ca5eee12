import type { DomainEvent } from "@org/events";
import { createEventWorker, type EventWorker } from "@org/outbox-publisher";
import { useTestDatabase } from "@org/test-harness";
import fc from "fast-check";
import { sql } from "kysely";
import { beforeAll, describe, expect, test } from "vitest";
import { buildTestApp, type TestClient } from "../test-support/test-app.js";
import { waitUntil } from "../test-support/webhook-receiver.js";
import { REFUND_SAGA_GROUP, refundFailedSettlement } from "./refund-failed-settlements.js";

const database = useTestDatabase();
let tenantA: TestClient;

beforeAll(async () => {
  ({ tenantA } = await buildTestApp(database.db));
});

interface Plan {
  payment: "none" | "pending" | "captured";
  fails: boolean;
  amount: number;
}

const plans = fc.sample(
  fc.record({ payment: fc.constantFrom("none", "pending", "captured"), fails: fc.boolean(), amount: fc.integer({ min: 1, max: 500 }) }),
  { seed: 15, numRuns: 200 },
) as Plan[];

/** Runs one lifecycle through the API; returns the settlement and payment ids. */
async function run(plan: Plan): Promise<{ settlementId: string; paymentId: string | null }> {
  let paymentId: string | null = null;
  if (plan.payment !== "none") {
    paymentId = (await tenantA("POST", "/api/v1/payments", { amount: `${plan.amount}.00`, currency: "USD" })).body.id as string;
    if (plan.payment === "captured") {
      await tenantA("POST", `/api/v1/payments/${paymentId}/status`, { status: "authorized" });
      await tenantA("POST", `/api/v1/payments/${paymentId}/status`, { status: "captured" });
    }
  }
  const created = await tenantA("POST", "/api/v1/settlements", { amount: `${plan.amount}.00`, currency: "USD", ...(paymentId ? { payment_id: paymentId } : {}) });
  expect(created.status).toBe(201);
  const settlementId = created.body.id as string;
  if (plan.fails) expect((await tenantA("POST", `/api/v1/settlements/${settlementId}/fail`, { error: "reverted" })).status).toBe(200);
  else await tenantA("POST", `/api/v1/settlements/${settlementId}/select-network`, { network: "polygon", score: 0.9, reasoning: "cheapest" });
  return { settlementId, paymentId };
}

describe("the refund saga", () => {
  test("200 random lifecycles, handlers crashing before and after their commit, workers killed and restarted: a refund exactly for each failed settlement with a captured payment, never twice", async () => {
    // a crash before the effect, and a crash after the commit (the acknowledgement lost): both are retried
    let random = 15;
    const next = () => ((random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const runs = new Map<string, number>();
    const flakyHandler = async (event: DomainEvent) => {
      runs.set(event.id, (runs.get(event.id) ?? 0) + 1);
      if (next() < 0.2) throw new Error("killed before the effect");
      await refundFailedSettlement(database.db, event);
      if (next() < 0.3) throw new Error("killed after the commit");
    };
    const worker = (id: string): EventWorker =>
      createEventWorker(database.db, {
        group: REFUND_SAGA_GROUP,
        types: ["settlement.failed"],
        startFrom: "beginning",
        handler: flakyHandler,
        pollIntervalMs: 20,
        workerId: id,
        retry: { initialDelayMs: 5, maxDelayMs: 20, maxAttempts: Infinity, jitter: 0.5 },
      });

    let workers = [worker("w1"), worker("w2")];
    await Promise.all(workers.map((w) => w.start()));
    const lifecycles: (Plan & { settlementId: string; paymentId: string | null })[] = [];
    for (const [i, plan] of plans.entries()) {
      lifecycles.push({ ...plan, ...(await run(plan)) });
      if (i % 50 === 25) {
        // stop both mid-stream and start fresh ones: in-flight handlers settle, unstarted claims come back
        await Promise.all(workers.map((w) => w.stop()));
        workers = [worker(`w${i}a`), worker(`w${i}b`)];
        await Promise.all(workers.map((w) => w.start()));
      }
    }
    const failed = lifecycles.filter((l) => l.fails);
    await waitUntil(async () => {
      const { rows } = await sql<{ n: string }>`select count(*) as n from saga_refunds`.execute(database.db);
      const { rows: pending } = await sql<{ n: string }>`select count(*) as n from domain_events_deliveries where group_name = ${REFUND_SAGA_GROUP}`.execute(database.db);
      return Number(rows[0]!.n) === failed.length && Number(pending[0]!.n) === 0;
    }, 60_000, "every failed settlement handled");
    await Promise.all(workers.map((w) => w.stop()));

    // and once more by hand, twice at once, for every failure: nothing changes
    const failedEvents = (await sql<{ id: string }>`select id from domain_events where event_type = 'settlement.failed'`.execute(database.db)).rows;
    const { rows: eventRows } = await sql<any>`select * from domain_events where event_type = 'settlement.failed'`.execute(database.db);
    const { toDomainEvent } = await import("@org/events");
    for (const row of eventRows) {
      const event = toDomainEvent(row);
      expect(await Promise.all([refundFailedSettlement(database.db, event), refundFailedSettlement(database.db, event)])).toEqual(["already_handled", "already_handled"]);
    }
    expect(failedEvents).toHaveLength(failed.length);

    const { rows: refunds } = await sql<{ aggregate_id: string; causation: string; amount: string }>`
      select aggregate_id, metadata->>'causationId' as causation, payload->>'refundAmount' as amount
      from domain_events where event_type = 'payment.refunded'`.execute(database.db);
    const expected = lifecycles.filter((l) => l.fails && l.payment === "captured");
    expect(expected.length).toBeGreaterThan(10);
    expect(refunds.map((r) => r.aggregate_id).sort()).toEqual(expected.map((l) => l.paymentId!).sort()); // exactly these, once each
    for (const l of expected) {
      const refund = refunds.find((r) => r.aggregate_id === l.paymentId)!;
      expect(refund.amount).toBe(`${l.amount}.00`);
      const { rows } = await sql<{ id: string }>`select id from domain_events where event_type = 'settlement.failed' and aggregate_id = ${l.settlementId}`.execute(database.db);
      expect(refund.causation).toBe(rows[0]!.id);
      expect((await tenantA("GET", `/api/v1/payments/${l.paymentId}`)).body).toMatchObject({ status: "refunded", refunded_amount: `${l.amount}.00` });
    }
    const retried = [...runs.values()].filter((count) => count > 1).length;
    console.log(`saga: ${failed.length} failures, ${expected.length} refunds, ${retried} events handled more than once`);
    expect(retried).toBeGreaterThan(0); // the crashes really made handlers run twice
  });
});
