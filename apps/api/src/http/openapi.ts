import { SETTLEMENT_STATUSES } from "@org/events";
import { z } from "zod";
import { createPaymentBody, paymentStatusBody, refundBody } from "../payments/http-schemas.js";
import * as settlement from "../settlements/http-schemas.js";

/** A JSON Schema of a request body, made from the zod schema that validates it. */
function bodySchema(schema: z.ZodType) {
  return z.toJSONSchema(schema, { io: "input", target: "openapi-3.0" });
}

const errorResponse = {
  description: 'An error: `{"error": {"code", "message", "field"?}}`',
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
};

function operation(summary: string, body?: z.ZodType, extra: Record<string, unknown> = {}) {
  return {
    summary,
    ...(body ? { requestBody: { required: true, content: { "application/json": { schema: bodySchema(body) } } } } : {}),
    responses: { "200": { description: "OK" }, "4XX": errorResponse },
    ...extra,
  };
}

const idParam = (name: string) => ({ name: "id", in: "path", required: true, schema: { type: "string" }, description: `${name} id` });
const queryParam = (name: string, description: string, schema: object = { type: "string" }) => ({ name, in: "query", schema, description });

/**
 * The OpenAPI 3 document of `/api/v1`. Request bodies are generated from the
 * zod schemas the routes validate with, so the document cannot drift from them.
 */
export function buildOpenApiDocument() {
  const command = (summary: string, body: z.ZodType) => ({ post: { ...operation(summary, body), parameters: [idParam("settlement")] } });
  return {
    openapi: "3.0.3",
    info: { title: "Settlement service", version: "1.0.0" },
    components: {
      securitySchemes: { apiKey: { type: "http", scheme: "bearer" } },
      schemas: {
        Error: {
          type: "object",
          required: ["error"],
          properties: { error: { type: "object", required: ["code", "message"], properties: { code: { type: "string" }, message: { type: "string" }, field: { type: "string" } } } },
        },
      },
    },
    security: [{ apiKey: [] }],
    paths: {
      "/api/v1/settlements": {
        post: operation("Open a settlement (optional Idempotency-Key header)", settlement.createSettlementBody, {
          parameters: [{ name: "Idempotency-Key", in: "header", schema: { type: "string", maxLength: 200 } }],
        }),
        get: operation("List settlements, newest first", undefined, {
          parameters: [
            queryParam("status", "only this status", { type: "string", enum: [...SETTLEMENT_STATUSES] }),
            queryParam("cursor", "next_cursor of the previous page"),
            queryParam("limit", "1 to 100, default 20", { type: "integer", minimum: 1, maximum: 100 }),
          ],
        }),
      },
      "/api/v1/settlements/{id}": { get: { ...operation("One settlement"), parameters: [idParam("settlement")] } },
      "/api/v1/settlements/{id}/events": { get: { ...operation("Its events in order"), parameters: [idParam("settlement")] } },
      "/api/v1/settlements/{id}/reconstruction": {
        get: { ...operation("Rebuilt from events alone, compared with the stored row (INV-S5)"), parameters: [idParam("settlement")] },
      },
      "/api/v1/settlements/{id}/select-network": command("Choose the network", settlement.selectNetworkBody),
      "/api/v1/settlements/{id}/estimate-gas": command("Record a gas estimate", settlement.estimateGasBody),
      "/api/v1/settlements/{id}/submit": command("pending → submitted", settlement.submitBody),
      "/api/v1/settlements/{id}/confirmations": command("submitted → confirming → confirmed", settlement.confirmationsBody),
      "/api/v1/settlements/{id}/settle": command("confirmed → settled", settlement.settleBody),
      "/api/v1/settlements/{id}/fail": command("any non-final status → failed", settlement.failBody),
      "/api/v1/payments": { post: operation("Create a payment", createPaymentBody) },
      "/api/v1/payments/{id}": { get: { ...operation("One payment"), parameters: [idParam("payment")] } },
      "/api/v1/payments/{id}/status": { post: { ...operation("Change its status", paymentStatusBody), parameters: [idParam("payment")] } },
      "/api/v1/payments/{id}/refund": { post: { ...operation("Refund part or all", refundBody), parameters: [idParam("payment")] } },
      "/api/v1/events/token": { post: operation("A short-lived stream token, also set as an HttpOnly cookie") },
      "/api/v1/events/stream": {
        get: {
          ...operation("Server-Sent Events of the tenant's events"),
          security: [{ apiKey: [] }, {}],
          parameters: [
            queryParam("types", "event type patterns, repeated or comma-separated (settlement.*, payment.refunded)"),
            queryParam("aggregate_id", "only these settlements or payments (repeated)"),
            queryParam("last_event_id", "resume after this event (or the Last-Event-ID header)"),
            queryParam("access_token", "a stream token, for clients that cannot send headers or cookies"),
          ],
          responses: { "200": { description: "text/event-stream" }, "4XX": errorResponse },
        },
      },
      "/api/v1/events/stats": { get: operation("Stream and publisher statistics") },
    },
  };
}
