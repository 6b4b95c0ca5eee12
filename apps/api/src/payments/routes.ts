import { Hono } from "hono";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import { notFound } from "../errors.js";
import type { AppEnv } from "../http/env.js";
import type { PaymentResponse } from "../http/response-schemas.js";
import { parseJsonBody, parsePathParam } from "../http/parse-request.js";
import type { PaymentCommands } from "./commands.js";
import * as schemas from "./http-schemas.js";
import type { Payment } from "./payment.js";
import { findPayment } from "./repository.js";

/** A payment as the API shows it. */
export function paymentJson(p: Payment): PaymentResponse {
  return {
    id: p.id,
    status: p.status,
    amount: p.amount,
    currency: p.currency,
    refunded_amount: p.refundedAmount,
    version: p.version,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}

/** The payment routes, mounted at `/api/v1/payments`. */
export function paymentRoutes(db: Kysely<Database>, commands: PaymentCommands) {
  const app = new Hono<AppEnv>();

  app.post("/", async (c) => {
    const body = await parseJsonBody(c, schemas.createPaymentBody);
    return c.json(paymentJson(await commands.create(c.get("tenantId"), body)), 201);
  });

  app.get("/:id", async (c) => {
    const id = parsePathParam(c, "id", schemas.paymentId);
    const payment = await findPayment(db, c.get("tenantId"), id);
    if (!payment) throw notFound("payment", id);
    return c.json(paymentJson(payment));
  });

  app.post("/:id/status", async (c) => {
    const id = parsePathParam(c, "id", schemas.paymentId);
    const { status } = await parseJsonBody(c, schemas.paymentStatusBody);
    return c.json(paymentJson(await commands.changeStatus(c.get("tenantId"), id, status)));
  });

  app.post("/:id/refund", async (c) => {
    const id = parsePathParam(c, "id", schemas.paymentId);
    const { amount } = await parseJsonBody(c, schemas.refundBody);
    return c.json(paymentJson(await commands.refund(c.get("tenantId"), id, amount)));
  });

  return app;
}
