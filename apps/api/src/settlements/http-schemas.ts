import { SETTLEMENT_STATUSES } from "@org/events";
import { z } from "zod";
import { currencyCode, decimalString, integerParam, networkName, prefixedId, singleParam } from "../http/fields.js";

/** `POST /api/v1/settlements`. */
export const createSettlementBody = z.strictObject({
  amount: decimalString,
  currency: currencyCode,
  network: networkName.optional(),
  payment_id: prefixedId("pay").optional(),
  required_confirmations: z.number().int().min(1).max(1000).optional(),
});

/** `POST /api/v1/settlements/:id/select-network`. */
export const selectNetworkBody = z.strictObject({
  network: networkName,
  score: z.number().finite(),
  reasoning: z.string().max(2000),
});

/** `POST /api/v1/settlements/:id/estimate-gas`. */
export const estimateGasBody = z.strictObject({ gas_estimate: decimalString });

/** `POST /api/v1/settlements/:id/submit`. */
export const submitBody = z.strictObject({ tx_hash: z.string().min(1).max(200).regex(/^\S+$/, "must not contain spaces") });

/** `POST /api/v1/settlements/:id/confirmations`. */
export const confirmationsBody = z.strictObject({ confirmations: z.number().int().min(0).max(1_000_000) });

/** `POST /api/v1/settlements/:id/settle`. */
export const settleBody = z.strictObject({ gas_actual: decimalString });

/** `POST /api/v1/settlements/:id/fail`. */
export const failBody = z.strictObject({ error: z.string().min(1).max(2000) });

/** `GET /api/v1/settlements` query. */
export const listSettlementsQuery = z.strictObject({
  status: singleParam(z.enum(SETTLEMENT_STATUSES)).optional(),
  cursor: singleParam(prefixedId("stl")).optional(),
  limit: singleParam(integerParam(1, 100)).optional(),
});

/** A settlement id in the path. */
export const settlementId = prefixedId("stl");
