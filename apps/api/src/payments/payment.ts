import type { PayloadOf, PlatformCatalog } from "@org/events";
import { AppError, invalidTransition } from "../errors.js";
import { addDecimal, compareDecimal } from "./decimal.js";

/** Where a payment is in its lifecycle. */
export const PAYMENT_STATUSES = ["pending", "authorized", "captured", "failed", "refunded"] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** The statuses each status may move to with `POST /payments/:id/status` (refunds have their own route). */
const NEXT_STATUSES: Record<PaymentStatus, readonly PaymentStatus[]> = {
  pending: ["authorized", "failed"],
  authorized: ["captured", "failed"],
  captured: [],
  failed: [],
  refunded: [],
};

/** A payment's domain state. */
export interface Payment {
  id: string;
  tenantId: string;
  status: PaymentStatus;
  amount: string;
  currency: string;
  refundedAmount: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

type PaymentEventType = Extract<PlatformCatalog["eventTypes"][number], `payment.${string}`>;

/** One payment event to record, typed by the platform catalog. */
export type PaymentEvent = {
  [T in PaymentEventType]: { eventType: T; payload: PayloadOf<PlatformCatalog, T> };
}[PaymentEventType];

/** The outcome of a payment command: the next state and its events. */
export interface PaymentDecision {
  next: Payment;
  events: PaymentEvent[];
}

/** Moves a payment to `toStatus`, or throws `invalid_transition`. */
export function decideStatusChange(current: Payment, toStatus: PaymentStatus): PaymentDecision {
  if (!NEXT_STATUSES[current.status].includes(toStatus)) {
    throw invalidTransition(`a ${current.status} payment cannot become ${toStatus}`);
  }
  const events: PaymentEvent[] = [
    { eventType: "payment.status_changed", payload: { paymentId: current.id, fromStatus: current.status, toStatus } },
  ];
  return { next: { ...current, status: toStatus, version: current.version + 1 }, events };
}

/**
 * Refunds part or all of a captured payment; the last part also moves it to
 * `refunded`. Throws `invalid_transition` when it is not captured and
 * `validation_failed` (field `amount`) when more than what is left is asked.
 */
export function decideRefund(current: Payment, amount: string): PaymentDecision {
  if (current.status !== "captured") throw invalidTransition(`only a captured payment can be refunded (it is ${current.status})`);
  if (compareDecimal(amount, "0") <= 0) throw new AppError("validation_failed", "must be greater than 0", { field: "amount" });
  const refundedAmount = addDecimal(current.refundedAmount, amount);
  if (compareDecimal(refundedAmount, current.amount) > 0) {
    throw new AppError("validation_failed", `refunds would exceed the payment's amount of ${current.amount}`, { field: "amount" });
  }
  const events: PaymentEvent[] = [{ eventType: "payment.refunded", payload: { paymentId: current.id, refundAmount: amount } }];
  let status: PaymentStatus = current.status;
  if (compareDecimal(refundedAmount, current.amount) === 0) {
    events.push({ eventType: "payment.status_changed", payload: { paymentId: current.id, fromStatus: status, toStatus: "refunded" } });
    status = "refunded";
  }
  return { next: { ...current, status, refundedAmount, version: current.version + events.length }, events };
}
