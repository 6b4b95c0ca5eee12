import { z } from "zod";
import { currencyCode, decimalString, prefixedId } from "../http/fields.js";
import { PAYMENT_STATUSES } from "./payment.js";

/** `POST /api/v1/payments`. */
export const createPaymentBody = z.strictObject({ amount: decimalString, currency: currencyCode });

/** `POST /api/v1/payments/:id/status`. */
export const paymentStatusBody = z.strictObject({ status: z.enum(PAYMENT_STATUSES) });

/** `POST /api/v1/payments/:id/refund`. */
export const refundBody = z.strictObject({ amount: decimalString });

/** A payment id in the path. */
export const paymentId = prefixedId("pay");
