import { SETTLEMENT_STATUSES } from "@org/events";
import { z } from "zod";
import { PAYMENT_STATUSES } from "../payments/payment.js";

/**
 * What the API answers, as zod schemas: the JSON builders are typed with
 * them (so they cannot drift apart) and the OpenAPI document is generated
 * from them.
 */
const isoTime = z.string().describe("ISO 8601 time");
const decimal = z.string().describe('a non-negative decimal string such as "125.50"');

/** `{"error": {"code", "message", "field"?}}`, with `Retry-After` on 429 and 503. */
export const errorResponse = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
});

export const settlementResponse = z.object({
  id: z.string(),
  status: z.enum(SETTLEMENT_STATUSES),
  amount: decimal,
  currency: z.string(),
  network: z.string().nullable(),
  payment_id: z.string().nullable(),
  required_confirmations: z.number().int(),
  confirmations: z.number().int(),
  score: z.number().nullable(),
  reasoning: z.string().nullable(),
  gas_estimate: decimal.nullable(),
  gas_actual: decimal.nullable(),
  tx_hash: z.string().nullable(),
  error: z.string().nullable(),
  version: z.number().int(),
  created_at: isoTime,
  updated_at: isoTime,
});

export const settlementPage = z.object({ data: z.array(settlementResponse), next_cursor: z.string().nullable() });

export const paymentResponse = z.object({
  id: z.string(),
  status: z.enum(PAYMENT_STATUSES),
  amount: decimal,
  currency: z.string(),
  refunded_amount: decimal,
  version: z.number().int(),
  created_at: isoTime,
  updated_at: isoTime,
});

export const eventResponse = z.object({
  id: z.string(),
  type: z.string(),
  aggregate_type: z.string(),
  aggregate_id: z.string(),
  version: z.number().int(),
  data: z.record(z.string(), z.unknown()),
  created_at: isoTime,
});

export const eventList = z.object({ data: z.array(eventResponse) });

export const reconstructionResponse = z.object({
  matches: z.boolean(),
  differing_fields: z.array(z.string()),
  event_count: z.number().int(),
  stored: settlementResponse,
  reconstructed: settlementResponse.nullable(),
});

export const streamTokenResponse = z.object({ token: z.string(), expires_at: isoTime });

export const eventStatsResponse = z.object({
  sse: z.object({ clients: z.number().int(), clientsByFilter: z.record(z.string(), z.number().int()) }),
});

export type SettlementResponse = z.output<typeof settlementResponse>;
export type PaymentResponse = z.output<typeof paymentResponse>;
export type EventResponse = z.output<typeof eventResponse>;
