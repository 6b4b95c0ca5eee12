import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { useTestDatabase } from "@org/test-harness";
import { sql } from "kysely";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createLiveFeed, type LiveFeed } from "../events/live-feed.js";
import { buildTestApp, type TestClient } from "../test-support/test-app.js";
import { startReceiver, waitUntil, type Receiver } from "../test-support/webhook-receiver.js";
import { createWebhookDelivery, type WebhookDelivery } from "../webhooks/webhook-delivery.js";

/**
 * One trace from the HTTP request to the webhook's receiver, read from an
 * in-memory exporter: the application installs the SDK, as a deployment
 * would; the service itself only uses @opentelemetry/api.
 */
const database = useTestDatabase();
const exporter = new InMemorySpanExporter();
const contextManager = new AsyncLocalStorageContextManager();
let live: LiveFeed;
let delivery: WebhookDelivery;
let tenantA: TestClient;
let hook: Receiver;

beforeAll(async () => {
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  live = createLiveFeed({ database: { kind: "postgres", db: database.db }, pollIntervalMs: 50, heartbeatIntervalMs: 0 });
  delivery = createWebhookDelivery(database.db, { allowPrivateNetworks: true, pollIntervalMs: 50 });
  ({ tenantA } = await buildTestApp(database.db, undefined, {
    webhooks: { allowPrivateNetworks: true, onChange: () => delivery.refresh() },
    afterCommit: () => {
      live.afterCommit();
      delivery.notify();
    },
  }));
  await live.start();
  await delivery.start();
  hook = await startReceiver();
});

afterAll(async () => {
  await hook.close();
  await delivery.stop();
  await live.stop();
  trace.disable();
  context.disable();
});

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

test("one trace runs from the HTTP request through the transaction, the relay and the SSE broadcast to the webhook delivery, whose request carries it", async () => {
  expect((await tenantA("POST", "/api/v1/webhooks", { url: hook.url, types: ["payment.*"] })).status).toBe(201);
  exporter.reset();
  const created = await tenantA("POST", "/api/v1/payments", { amount: "2.00", currency: "USD" });
  expect(created.status).toBe(201);
  await waitUntil(() => hook.received.length === 1, 20_000, "the webhook");
  const names = () => exporter.getFinishedSpans().map((span) => span.name);
  await waitUntil(() => ["relay payment.created", "sse broadcast payment.created", "webhook delivery payment.created"].every((name) => names().includes(name)), 10_000, "every span");

  const spans = exporter.getFinishedSpans();
  const byName = (name: string) => {
    const found = spans.filter((span) => span.name === name);
    expect(found, name).toHaveLength(1);
    return found[0]!;
  };
  const request = byName("HTTP POST");
  const transaction = byName("payment.create transaction");
  const relay = byName("relay payment.created");
  const broadcast = byName("sse broadcast payment.created");
  const webhook = byName("webhook delivery payment.created");
  // one trace ...
  for (const span of [transaction, relay, broadcast, webhook]) expect(span.spanContext().traceId, span.name).toBe(request.spanContext().traceId);
  // ... HTTP request → transaction → relay, SSE broadcast, webhook delivery (each continues the context stored with the event)
  expect(parentOf(request)).toBeUndefined();
  expect(parentOf(transaction)).toBe(request.spanContext().spanId);
  expect(parentOf(relay)).toBe(transaction.spanContext().spanId);
  expect(parentOf(broadcast)).toBe(transaction.spanContext().spanId);
  expect(parentOf(webhook)).toBe(transaction.spanContext().spanId);
  expect(request.attributes).toMatchObject({ "http.route": "/api/v1/payments", "http.response.status_code": 201 });
  expect(webhook.attributes).toMatchObject({ "event.type": "payment.created", "tenant.id": "tenant-a", "http.response.status_code": 204 });

  // stored with the event at write time, and sent on: the CloudEvent's extension, and the request's own header
  const { rows } = await sql<{ metadata: { traceparent?: string } }>`select metadata from domain_events where aggregate_id = ${created.body.id}`.execute(database.db);
  expect(rows[0]!.metadata.traceparent).toBe(`00-${request.spanContext().traceId}-${transaction.spanContext().spanId}-01`);
  expect(JSON.parse(hook.received[0]!.body).traceparent).toBe(rows[0]!.metadata.traceparent);
  expect(hook.received[0]!.headers.traceparent).toBe(`00-${request.spanContext().traceId}-${webhook.spanContext().spanId}-01`);
});
