import { defineIntegrationCatalog } from "@org/events";
import { z } from "zod";

/**
 * The domain events the service publishes to webhooks, and the fields each
 * shows, under its public schema version. Everything else stays internal
 * (network scoring, gas estimates); a field added to a domain event is not
 * sent until it is added here.
 */
export const publicEvents = defineIntegrationCatalog({
  "settlement.created": {
    version: 1,
    schema: z.object({ settlementId: z.string(), amount: z.string(), currency: z.string().optional(), network: z.string().nullable(), paymentId: z.string().nullable().optional() }),
  },
  "settlement.status_changed": {
    version: 1,
    schema: z.object({ settlementId: z.string(), fromStatus: z.string(), toStatus: z.string(), network: z.string().nullable(), confirmations: z.number().optional(), txHash: z.string().optional() }),
  },
  "settlement.confirmation_progress": {
    version: 1,
    schema: z.object({ settlementId: z.string(), confirmations: z.number(), required: z.number(), network: z.string().nullable() }),
  },
  "settlement.settled": { version: 1, schema: z.object({ settlementId: z.string(), network: z.string().nullable(), txHash: z.string() }) },
  "settlement.failed": { version: 1, schema: z.object({ settlementId: z.string(), network: z.string().nullable(), error: z.string() }) },
  "payment.created": { version: 1, schema: z.object({ paymentId: z.string(), amount: z.string(), currency: z.string() }) },
  "payment.status_changed": { version: 1, schema: z.object({ paymentId: z.string(), fromStatus: z.string(), toStatus: z.string() }) },
  "payment.refunded": { version: 1, schema: z.object({ paymentId: z.string(), refundAmount: z.string() }) },
});

/** The CloudEvent `source` of every event the service sends. */
export const EVENT_SOURCE = "/settlement-service";
