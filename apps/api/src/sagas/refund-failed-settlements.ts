import { recordEvents, type DomainEvent } from "@org/events";
import { createEventWorker, type EventWorker, type EventWorkerOptions } from "@org/outbox-publisher";
import { sql, type Kysely, type Migration } from "kysely";
import type { Database } from "../db/schema.js";
import { compareDecimal, subtractDecimal } from "../payments/decimal.js";
import { decideRefund } from "../payments/payment.js";
import { findPayment, savePayment } from "../payments/repository.js";
import { findSettlement } from "../settlements/repository.js";

/** The worker group of this process manager: its own checkpoint, retries and dead letters. */
export const REFUND_SAGA_GROUP = "saga.refund-failed-settlements";

/** The saga's own table: one row per settlement it has handled, the proof that its effect happened. */
export const sagaMigrations: Record<string, Migration> = {
  "0001_saga_refunds": {
    async up(db: Kysely<any>) {
      await sql`
        create table saga_refunds (
          settlement_id text primary key,
          tenant_id text not null,
          payment_id text,
          refund_amount text,
          failed_event_id text not null,
          outcome text not null,
          created_at timestamptz not null default now()
        )`.execute(db);
    },
  },
};

/** What the saga did for one `settlement.failed`. */
export type RefundOutcome = "refunded" | "no_payment" | "not_captured" | "nothing_left" | "already_handled";

/**
 * The process manager's step: on `settlement.failed`, refund the
 * settlement's payment (the settlement's amount, at most what is left to
 * refund) with `payment.refunded` caused by the failure event.
 *
 * Exactly once in effect: the marker row (keyed by settlement), the payment
 * change and its events are written in one transaction, so a handler that
 * runs twice (a retry after a crash, a lost acknowledgement, two workers)
 * finds the marker and does nothing, and a handler killed mid-way left
 * nothing behind. The pattern for any other process manager: decide from
 * the state read under lock, write the effect and the marker together.
 */
export async function refundFailedSettlement(db: Kysely<Database>, event: DomainEvent): Promise<RefundOutcome> {
  if (event.eventType !== "settlement.failed") return "already_handled";
  return db.transaction().execute(async (tx) => {
    const mark = (outcome: RefundOutcome, payment?: { id: string; amount: string | null }) =>
      sql<{ settlement_id: string }>`
        insert into saga_refunds (settlement_id, tenant_id, payment_id, refund_amount, failed_event_id, outcome)
        values (${event.aggregateId}, ${event.tenantId}, ${payment?.id ?? null}, ${payment?.amount ?? null}, ${event.id}, ${outcome})
        on conflict (settlement_id) do nothing returning settlement_id`.execute(tx);
    // the marker first: a concurrent second run waits here on the row, then sees it
    const claimed = await mark("refunded");
    if (claimed.rows.length === 0) return "already_handled";
    const settle = async (outcome: RefundOutcome) => {
      await sql`update saga_refunds set outcome = ${outcome} where settlement_id = ${event.aggregateId}`.execute(tx);
      return outcome;
    };
    const settlement = await findSettlement(tx, event.tenantId, event.aggregateId);
    if (!settlement?.paymentId) return settle("no_payment");
    const payment = await findPayment(tx, event.tenantId, settlement.paymentId, { forUpdate: true });
    if (!payment || payment.status !== "captured") return settle("not_captured");
    const left = subtractDecimal(payment.amount, payment.refundedAmount);
    const amount = compareDecimal(settlement.amount, left) <= 0 ? settlement.amount : left;
    if (compareDecimal(amount, "0") <= 0) return settle("nothing_left");
    const { next, events } = decideRefund(payment, amount);
    await savePayment(tx, next);
    await recordEvents(
      tx,
      events.map((change, index) => ({
        aggregateType: "payment",
        aggregateId: payment.id,
        tenantId: event.tenantId,
        ...(index === 0 ? { expectedVersion: payment.version } : {}),
        metadata: { causationId: event.id, ...(typeof event.metadata.correlationId === "string" ? { correlationId: event.metadata.correlationId } : {}), actor: REFUND_SAGA_GROUP },
        ...change,
      })),
    );
    await sql`update saga_refunds set payment_id = ${payment.id}, refund_amount = ${amount} where settlement_id = ${event.aggregateId}`.execute(tx);
    return "refunded";
  });
}

/** The events the saga handles. */
export const REFUND_SAGA_TYPES = ["settlement.failed"];

/** The saga on a worker group: `settlement.failed` events in order per settlement, retried, dead-lettered after the last attempt. */
export function createRefundSaga(
  db: Kysely<Database>,
  options: Omit<EventWorkerOptions<"domain_events">, "group" | "handler" | "types"> & { afterCommit?: () => void } = {},
): EventWorker {
  const { afterCommit, ...worker } = options;
  return createEventWorker(db, {
    startFrom: "now",
    ...worker,
    group: REFUND_SAGA_GROUP,
    types: REFUND_SAGA_TYPES,
    async handler(event) {
      if ((await refundFailedSettlement(db, event)) === "refunded") afterCommit?.();
    },
  });
}
