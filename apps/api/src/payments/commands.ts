import { generateId, recordEvents } from "@org/events";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import { notFound } from "../errors.js";
import { inSpan, traceMetadata } from "../tracing/trace-context.js";
import { decideRefund, decideStatusChange, type Payment, type PaymentDecision, type PaymentEvent, type PaymentStatus } from "./payment.js";
import { findPayment, savePayment, toPayment } from "./repository.js";

/** The payment use cases; each is one transaction with its `payment.*` events. */
export interface PaymentCommands {
  create(tenantId: string, input: { amount: string; currency: string }): Promise<Payment>;
  changeStatus(tenantId: string, id: string, status: PaymentStatus): Promise<Payment>;
  refund(tenantId: string, id: string, amount: string): Promise<Payment>;
}

function toNewEvents(tenantId: string, id: string, expectedVersion: number, events: PaymentEvent[]) {
  return events.map((event, index) => ({
    aggregateType: "payment",
    aggregateId: id,
    tenantId,
    ...(index === 0 ? { expectedVersion } : {}),
    metadata: traceMetadata(),
    ...event,
  }));
}

/** Builds the payment commands; `afterCommit` is the publisher's wake-up. */
export function createPaymentCommands({ db, afterCommit = () => {} }: { db: Kysely<Database>; afterCommit?: () => void }): PaymentCommands {
  async function change(tenantId: string, id: string, decide: (current: Payment) => PaymentDecision): Promise<Payment> {
    const payment = await inSpan("payment.change transaction", {}, () => db.transaction().execute(async (tx) => {
      const current = await findPayment(tx, tenantId, id, { forUpdate: true });
      if (!current) throw notFound("payment", id);
      const { next, events } = decide(current);
      const saved = await savePayment(tx, next);
      await recordEvents(tx, toNewEvents(tenantId, id, current.version, events));
      return saved;
    }));
    afterCommit();
    return payment;
  }

  return {
    async create(tenantId, { amount, currency }) {
      const payment = await inSpan("payment.create transaction", {}, () => db.transaction().execute(async (tx) => {
        const id = generateId("pay");
        const row = await tx
          .insertInto("payments")
          .values({ id, tenant_id: tenantId, status: "pending", amount, currency, refunded_amount: "0", version: 1 })
          .returningAll()
          .executeTakeFirstOrThrow();
        const created: PaymentEvent = { eventType: "payment.created", payload: { paymentId: id, amount, currency } };
        await recordEvents(tx, toNewEvents(tenantId, id, 0, [created]));
        return toPayment(row);
      }));
      afterCommit();
      return payment;
    },
    changeStatus: (tenantId, id, status) => change(tenantId, id, (current) => decideStatusChange(current, status)),
    refund: (tenantId, id, amount) => change(tenantId, id, (current) => decideRefund(current, amount)),
  };
}
