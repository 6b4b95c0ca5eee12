import { z } from "zod";
import { defineEventCatalog } from "./define-event-catalog.js";

/** A non-negative decimal amount as a string, e.g. "125.50" (never a float). */
const decimal = z.string().regex(/^\d+(\.\d+)?$/, "must be a non-negative decimal string such as \"125.50\"");
const id = z.string().min(1);
const network = z.string().min(1);

/** The statuses of a settlement, in lifecycle order. */
export const SETTLEMENT_STATUSES = ["pending", "submitted", "confirming", "confirmed", "settled", "failed"] as const;
const settlementStatus = z.enum(SETTLEMENT_STATUSES);

/**
 * The platform's event catalog: every `settlement.*` and `payment.*` event
 * with its payload fields. Money is a decimal string. Services import it to
 * type and validate the events they write and consume.
 *
 * @example
 * import { platformCatalog } from "@org/events";
 * platformCatalog.parse("payment.refunded", { paymentId: "pay_1", refundAmount: "10.00" });
 */
export const platformCatalog = defineEventCatalog({
  "settlement.created": z.strictObject({
    settlementId: id,
    network: network.nullable(),
    amount: decimal,
    currency: z.string().min(1).optional(),
    paymentId: id.nullable().optional(),
    requiredConfirmations: z.number().int().positive().optional(),
  }),
  "settlement.status_changed": z.strictObject({
    settlementId: id,
    fromStatus: settlementStatus,
    toStatus: settlementStatus,
    network: network.nullable(),
    confirmations: z.number().int().nonnegative().optional(),
    txHash: z.string().min(1).optional(),
  }),
  "settlement.confirmation_progress": z.strictObject({
    settlementId: id,
    confirmations: z.number().int().nonnegative(),
    required: z.number().int().positive(),
    network: network.nullable(),
  }),
  "settlement.network_selected": z.strictObject({
    settlementId: id,
    network,
    score: z.number().finite(),
    reasoning: z.string(),
  }),
  "settlement.gas_estimated": z.strictObject({
    settlementId: id,
    network: network.nullable(),
    gasEstimate: decimal,
  }),
  "settlement.settled": z.strictObject({
    settlementId: id,
    network: network.nullable(),
    txHash: z.string().min(1),
    gasActual: decimal,
  }),
  "settlement.failed": z.strictObject({
    settlementId: id,
    network: network.nullable(),
    error: z.string().min(1),
  }),
  "payment.created": z.strictObject({
    paymentId: id,
    amount: decimal,
    currency: z.string().min(1),
  }),
  "payment.status_changed": z.strictObject({
    paymentId: id,
    fromStatus: z.string().min(1),
    toStatus: z.string().min(1),
  }),
  "payment.refunded": z.strictObject({
    paymentId: id,
    refundAmount: decimal,
  }),
});

/** The platform catalog's type. */
export type PlatformCatalog = typeof platformCatalog;
