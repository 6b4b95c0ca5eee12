import { z } from "zod";
import * as events from "../events/stream-filter.js";
import { createPaymentBody, paymentId, paymentStatusBody, refundBody } from "../payments/http-schemas.js";
import * as settlement from "../settlements/http-schemas.js";
import { singleParamValues } from "./fields.js";
import * as responses from "./response-schemas.js";
import * as deadLetters from "../operations/dead-letter-routes.js";
import * as outboxStats from "../operations/outbox-stats-routes.js";
import * as webhooks from "../webhooks/http-schemas.js";

/** JSON Schema (OpenAPI 3.0 flavour) of a zod schema: request sides as the client sends them, responses as the server writes them. */
const jsonSchema = (schema: z.ZodType, io: "input" | "output") => z.toJSONSchema(schema, { io, target: "openapi-3.0", unrepresentable: "any" });

const json = (schema: z.ZodType, description: string) => ({ description, content: { "application/json": { schema: jsonSchema(schema, "output") } } });
const ERRORS = {
  "4XX": json(responses.errorResponse, "An error; 429 carries Retry-After"),
  "503": json(responses.errorResponse, "The database cannot be reached right now; Retry-After says when to try again"),
};

/** The parameters of a zod query schema (a strictObject): each field's own schema, a single-valued one as its value. */
function queryParameters(schema: z.ZodObject, descriptions: Record<string, string> = {}) {
  return Object.entries(schema.shape).map(([name, field]) => {
    const optional = field instanceof z.ZodOptional;
    const inner = optional ? (field.unwrap() as z.ZodType) : (field as z.ZodType);
    const value = singleParamValues.get(inner);
    return {
      name,
      in: "query",
      required: !optional,
      ...(descriptions[name] ? { description: descriptions[name] } : {}),
      schema: jsonSchema(value ?? inner, "input"),
      ...(value ? {} : { style: "form", explode: true }),
    };
  });
}

const pathId = (schema: z.ZodType, what: string) => ({ name: "id", in: "path", required: true, description: `the ${what}'s id`, schema: jsonSchema(schema, "input") });

interface Operation {
  summary: string;
  body?: z.ZodType;
  response: z.ZodType;
  status?: "200" | "201";
  parameters?: object[];
  security?: object[];
}

function operation({ summary, body, response, status = "200", parameters, security }: Operation) {
  return {
    summary,
    ...(parameters ? { parameters } : {}),
    ...(security ? { security } : {}),
    ...(body ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(body, "input") } } } } : {}),
    responses: { [status]: json(response, "OK"), ...ERRORS },
  };
}

const PUBLIC: object[] = [];
const anyText = z.string();

/**
 * The OpenAPI 3 document of the service. Every request body, path and
 * query parameter, and every JSON response is generated from the zod
 * schema the route validates with or builds its answer with, so the
 * document cannot drift from the code (a test checks every route is in it).
 */
export function buildOpenApiDocument() {
  const settlementPath = [pathId(settlement.settlementId, "settlement")];
  const paymentPath = [pathId(paymentId, "payment")];
  const command = (summary: string, body: z.ZodType) => ({ post: operation({ summary, body, response: responses.settlementResponse, parameters: settlementPath }) });
  return {
    openapi: "3.0.3",
    info: { title: "Settlement service", version: "1.0.0" },
    components: { securitySchemes: { apiKey: { type: "http", scheme: "bearer" } } },
    security: [{ apiKey: [] }],
    paths: {
      "/api/v1/settlements": {
        post: operation({
          summary: "Open a settlement (optional Idempotency-Key header: the same key returns the first settlement)",
          body: settlement.createSettlementBody,
          response: responses.settlementResponse,
          status: "201",
          parameters: [{ name: "Idempotency-Key", in: "header", schema: { type: "string", pattern: "^[\\x21-\\x7e]{1,200}$" } }],
        }),
        get: operation({
          summary: "List settlements, newest first",
          response: responses.settlementPage,
          parameters: queryParameters(settlement.listSettlementsQuery, { cursor: "next_cursor of the previous page", limit: "1 to 100, default 20" }),
        }),
      },
      "/api/v1/settlements/{id}": { get: operation({ summary: "One settlement", response: responses.settlementResponse, parameters: settlementPath }) },
      "/api/v1/settlements/{id}/events": { get: operation({ summary: "Its events in order", response: responses.eventList, parameters: settlementPath }) },
      "/api/v1/settlements/{id}/reconstruction": {
        get: operation({ summary: "Rebuilt from its events alone, compared with the stored row", response: responses.reconstructionResponse, parameters: settlementPath }),
      },
      "/api/v1/settlements/{id}/select-network": command("Choose the network", settlement.selectNetworkBody),
      "/api/v1/settlements/{id}/estimate-gas": command("Record a gas estimate", settlement.estimateGasBody),
      "/api/v1/settlements/{id}/submit": command("pending → submitted", settlement.submitBody),
      "/api/v1/settlements/{id}/confirmations": command("submitted → confirming → confirmed", settlement.confirmationsBody),
      "/api/v1/settlements/{id}/settle": command("confirmed → settled", settlement.settleBody),
      "/api/v1/settlements/{id}/fail": command("any non-final status → failed", settlement.failBody),
      "/api/v1/payments": { post: operation({ summary: "Create a payment", body: createPaymentBody, response: responses.paymentResponse, status: "201" }) },
      "/api/v1/payments/{id}": { get: operation({ summary: "One payment", response: responses.paymentResponse, parameters: paymentPath }) },
      "/api/v1/payments/{id}/status": { post: operation({ summary: "Change its status", body: paymentStatusBody, response: responses.paymentResponse, parameters: paymentPath }) },
      "/api/v1/payments/{id}/refund": { post: operation({ summary: "Refund part or all", body: refundBody, response: responses.paymentResponse, parameters: paymentPath }) },
      "/api/v1/webhooks": {
        post: operation({ summary: "Register a webhook endpoint; the answer shows its whsec_ signing secret, only this once", body: webhooks.createWebhookBody, response: webhooks.createdWebhookResponse, status: "201" }),
        get: operation({ summary: "The tenant's webhook endpoints (no secrets)", response: webhooks.webhookListResponse }),
      },
      "/api/v1/webhooks/{id}": {
        delete: { summary: "Remove an endpoint with its queue and dead letters", parameters: [pathId(webhooks.webhookId, "webhook")], responses: { "204": { description: "removed" }, ...ERRORS } },
      },
      "/api/v1/webhooks/{id}/replay": {
        post: {
          summary: "Deliver a range of the tenant's events to this endpoint again (only this one): queued on its worker, signed, in order per aggregate",
          parameters: [pathId(webhooks.webhookId, "webhook")],
          requestBody: { required: true, content: { "application/json": { schema: jsonSchema(webhooks.replayWebhookBody, "input") } } },
          responses: { "202": json(webhooks.replayResponse, "queued"), ...ERRORS },
        },
      },
      "/api/v1/outbox/stats": {
        get: operation({ summary: "Relay backlog, and per webhook endpoint backlog, oldest pending age, retries, dead letters and latency (the admin key: every tenant)", response: outboxStats.outboxStatsResponse }),
      },
      "/api/v1/dead-letters": {
        get: operation({ summary: "The dead letters of the tenant's events (the admin key: every tenant's), oldest first", response: deadLetters.deadLetterListResponse, parameters: queryParameters(deadLetters.listQuery) }),
      },
      "/api/v1/dead-letters/{id}": {
        get: operation({ summary: "One dead letter with its event", response: deadLetters.deadLetterDetailResponse, parameters: [pathId(anyText, "dead letter")] }),
        delete: { summary: "Give up on it for good (its aggregate moves on)", parameters: [pathId(anyText, "dead letter")], responses: { "204": { description: "discarded" }, ...ERRORS } },
      },
      "/api/v1/dead-letters/{id}/requeue": {
        post: {
          summary: "Deliver it again now, attempts reset",
          parameters: [pathId(anyText, "dead letter")],
          responses: { "202": json(z.object({ id: z.string(), status: z.literal("requeued") }), "requeued"), ...ERRORS },
        },
      },
      "/api/v1/events/token": {
        post: operation({ summary: "A short-lived stream token, also set as an HttpOnly cookie", response: responses.streamTokenResponse, status: "201" }),
      },
      "/api/v1/events/stream": {
        get: {
          summary: "Server-Sent Events of the tenant's events (Bearer key, stream_token cookie or ?access_token=); resume with Last-Event-ID",
          security: [{ apiKey: [] }, {}],
          parameters: [
            ...queryParameters(events.streamQuery, {
              types: "event type patterns, repeated or comma-separated (settlement.*, payment.refunded)",
              aggregate_id: "only these settlements or payments (repeated)",
              last_event_id: "resume after this event (or the Last-Event-ID header)",
              access_token: "a stream token, for clients that cannot send headers or cookies",
            }),
            { name: "Last-Event-ID", in: "header", schema: { type: "string" } },
          ],
          responses: { "200": { description: "text/event-stream" }, ...ERRORS },
        },
      },
      "/api/v1/events/stats": { get: operation({ summary: "This tenant's stream figures", response: responses.eventStatsResponse }) },
      "/api/v1/openapi.json": { get: { summary: "This document (no key needed)", security: PUBLIC, responses: { "200": { description: "OpenAPI 3.0 JSON" } } } },
      "/healthz": { get: operation({ summary: "The process is up", response: z.object({ status: z.literal("ok") }), security: PUBLIC }) },
      "/readyz": {
        get: {
          summary: "503 while the database cannot be reached",
          security: PUBLIC,
          responses: { "200": json(z.object({ status: z.enum(["ready", "not_ready"]), checks: z.record(z.string(), z.boolean()) }), "ready or not") },
        },
      },
      "/metrics": {
        get: {
          summary: "Prometheus metrics (Authorization: Bearer <METRICS_TOKEN> when one is configured)",
          security: PUBLIC,
          responses: { "200": { description: "Prometheus text format", content: { "text/plain": { schema: jsonSchema(anyText, "output") } } } },
        },
      },
      "/": { get: { summary: "The dashboard (HTML)", security: PUBLIC, responses: { "200": { description: "text/html" } } } },
      "/dashboard.js": { get: { summary: "The dashboard's script", security: PUBLIC, responses: { "200": { description: "text/javascript" } } } },
    },
  };
}
