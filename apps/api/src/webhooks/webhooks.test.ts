import { fromCloudEvent, fromHttp } from "@org/events";
import { useTestDatabase } from "@org/test-harness";
import { sql } from "kysely";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { buildTestApp, type TestClient } from "../test-support/test-app.js";
import { startReceiver, waitUntil, type Receiver, type ReceivedWebhook, registerWebhook } from "../test-support/webhook-receiver.js";
import { isPrivateAddress } from "./address-guard.js";
import { postWebhook } from "./post-webhook.js";
import { EVENT_SOURCE, publicEvents } from "./public-events.js";
import { createWebhookDelivery, type WebhookDelivery } from "./webhook-delivery.js";

const database = useTestDatabase();
let delivery: WebhookDelivery;
let tenantA: TestClient;
let tenantB: TestClient;
const receivers: Receiver[] = [];

const TIMEOUT_MS = 300;
const MAX_ATTEMPTS = 4;

beforeAll(async () => {
  delivery = createWebhookDelivery(database.db, {
    allowPrivateNetworks: true,
    timeoutMs: TIMEOUT_MS,
    retry: { initialDelayMs: 20, multiplier: 2, maxDelayMs: 100, maxAttempts: MAX_ATTEMPTS, jitter: 0.5 },
    pollIntervalMs: 50,
    refreshIntervalMs: 200,
  });
  ({ tenantA, tenantB } = await buildTestApp(database.db, undefined, {
    webhooks: { allowPrivateNetworks: true, onChange: () => delivery.refresh() },
    afterCommit: () => delivery.notify(),
    onRequeue: () => delivery.notify(),
  }));
  await delivery.start();
});

afterEach(async () => {
  for (const client of [tenantA, tenantB]) {
    for (const { id } of (await client("GET", "/api/v1/webhooks")).body.items as { id: string }[]) await client("DELETE", `/api/v1/webhooks/${id}`);
  }
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

afterAll(async () => {
  await delivery.stop();
});

async function receiver(behaviour?: Parameters<typeof startReceiver>[0]) {
  const started = await startReceiver(behaviour);
  receivers.push(started);
  return started;
}

const register = registerWebhook;

/** Verifies the signature with the `standardwebhooks` package and reads the CloudEvent back. */
function verified(secret: string, request: ReceivedWebhook) {
  new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
  expect(request.headers["content-type"]).toBe("application/cloudevents+json; charset=utf-8");
  const event = fromCloudEvent(fromHttp({ headers: request.headers, body: request.body }), { catalog: publicEvents, source: EVENT_SOURCE });
  expect(event.id).toBe(request.headers["webhook-id"]);
  return event;
}

/** The ids of the tenant's public events of `prefix` written after `after` (a position). */
async function publicEventIds(tenantId: string, prefix: string, afterPosition: number): Promise<string[]> {
  const { rows } = await sql<{ id: string; event_type: string }>`
    select id, event_type from domain_events where tenant_id = ${tenantId} and event_type like ${`${prefix}%`} and position > ${afterPosition}
    order by position`.execute(database.db);
  return rows.filter((row) => publicEvents.isPublic(row.event_type)).map((row) => row.id);
}

async function lastPosition(): Promise<number> {
  const { rows } = await sql<{ p: string | null }>`select max(position) as p from domain_events`.execute(database.db);
  return Number(rows[0]!.p ?? 0);
}

/** Settlements of a tenant, each with an internal event and a failure: 3 public events each. */
async function settlementLifecycles(client: TestClient, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = (await client("POST", "/api/v1/settlements", { amount: `${i + 1}.00`, currency: "USDC" })).body.id as string;
    expect((await client("POST", `/api/v1/settlements/${id}/estimate-gas`, { gas_estimate: "21000" })).status).toBe(200);
    expect((await client("POST", `/api/v1/settlements/${id}/fail`, { error: "reverted" })).status).toBe(200);
    ids.push(id);
  }
  return ids;
}

/** Successful (2xx-answered) deliveries per subject must carry increasing sequences. */
function expectOrderPerAggregate(events: { aggregateId: string; aggregateVersion: number }[]) {
  const last = new Map<string, number>();
  for (const event of events) {
    expect(event.aggregateVersion).toBeGreaterThan(last.get(event.aggregateId) ?? 0);
    last.set(event.aggregateId, event.aggregateVersion);
  }
}

describe("webhook endpoints", () => {
  test("registering answers 201 with a whsec_ secret shown once; listing never shows it; deleting is per tenant", async () => {
    const created = await register(tenantA, "https://example.com/hooks", ["settlement.*", "payment.refunded"]);
    expect(created).toMatchObject({ url: "https://example.com/hooks", types: ["settlement.*", "payment.refunded"] });
    expect(created.id).toMatch(/^whk_/);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const listed = await tenantA("GET", "/api/v1/webhooks");
    expect(listed.body.items).toEqual([{ id: created.id, url: created.url, types: created.types, created_at: expect.any(String) }]);
    expect(JSON.stringify(listed.body)).not.toContain("whsec_");
    expect((await tenantB("GET", "/api/v1/webhooks")).body.items).toEqual([]);
    expect((await tenantB("DELETE", `/api/v1/webhooks/${created.id}`)).status).toBe(404);
    expect((await tenantA("DELETE", `/api/v1/webhooks/${created.id}`)).status).toBe(204);
    expect((await tenantA("DELETE", `/api/v1/webhooks/${created.id}`)).status).toBe(404);
  });

  test("bad registrations are refused with the field named and nothing stored", async () => {
    for (const [body, field] of [
      [{ url: "ftp://example.com/x", types: ["*"] }, "url"],
      [{ url: "not a url", types: ["*"] }, "url"],
      [{ url: "https://user:pw@example.com/", types: ["*"] }, "url"],
      [{ url: "https://example.com/", types: [] }, "types"],
      [{ url: "https://example.com/", types: ["settle%"] }, "types.0"],
      [{ url: "https://example.com/", types: ["*"], secret: "mine" }, "secret"],
    ] as const) {
      const response = await tenantA("POST", "/api/v1/webhooks", body);
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect(response.body.error.field).toBe(field);
    }
    expect((await tenantA("GET", "/api/v1/webhooks")).body.items).toEqual([]);
  });

  test("a URL pointing at a private address is refused unless private networks are allowed", async () => {
    const { tenantA: strict } = await buildTestApp(database.db);
    for (const url of ["http://127.0.0.1:8080/x", "http://localhost/x", "http://10.1.2.3/x", "http://169.254.169.254/latest", "http://[::1]/x", "http://[::ffff:192.168.0.1]/x"]) {
      const response = await strict("POST", "/api/v1/webhooks", { url, types: ["*"] });
      expect(response.status, url).toBe(422);
      expect(response.body.error).toMatchObject({ code: "validation_failed", field: "url" });
    }
    expect((await strict("GET", "/api/v1/webhooks")).body.items).toEqual([]);
  });

  test("the address is checked again at delivery time, on the address actually resolved", async () => {
    const target = await receiver();
    const attempt = (url: string) => postWebhook({ url, headers: {}, body: "{}", timeoutMs: 1000, allowPrivateNetworks: false });
    await expect(attempt(target.url.replace("127.0.0.1", "localhost"))).rejects.toThrow(/private address/);
    await expect(attempt(target.url)).rejects.toThrow(/private address/);
    expect(target.received).toHaveLength(0);
    expect(await postWebhook({ url: target.url, headers: {}, body: "{}", timeoutMs: 1000, allowPrivateNetworks: true })).toBe(204);
    expect(["8.8.8.8", "2606:4700::1111"].map(isPrivateAddress)).toEqual([false, false]);
    expect(["127.0.0.1", "10.0.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "not-an-ip"].every(isPrivateAddress)).toBe(true);
  });
});

describe("webhook delivery", () => {
  test("every matching public event of the tenant arrives once, signed, as a structured CloudEvent, in order per aggregate", async () => {
    const settlementsHook = await receiver();
    const paymentsHook = await receiver();
    const settlements = await register(tenantA, settlementsHook.url, ["settlement.*"]);
    const payments = await register(tenantA, paymentsHook.url, ["payment.*"]);
    const from = await lastPosition();
    await settlementLifecycles(tenantA, 6);
    await settlementLifecycles(tenantB, 2);
    await tenantA("POST", "/api/v1/payments", { amount: "3.00", currency: "USD" });

    const expectedSettlementEvents = await publicEventIds("tenant-a", "settlement.", from);
    expect(expectedSettlementEvents.length).toBeGreaterThanOrEqual(12);
    await waitUntil(() => settlementsHook.received.length >= expectedSettlementEvents.length, 20_000, "the settlement webhooks");
    await waitUntil(() => paymentsHook.received.length >= 1, 20_000, "the payment webhook");
    await new Promise((resolve) => setTimeout(resolve, 300)); // anything extra would show up now

    const events = settlementsHook.received.map((request) => verified(settlements.secret, request));
    expect(events.map((event) => event.id)).toEqual(expect.arrayContaining(expectedSettlementEvents));
    expect(events).toHaveLength(expectedSettlementEvents.length);
    expect(events.every((event) => event.tenantId === "tenant-a" && event.eventType !== "settlement.gas_estimated")).toBe(true);
    expectOrderPerAggregate(events);
    expect(paymentsHook.received.map((request) => verified(payments.secret, request).eventType)).toEqual(["payment.created"]);
    expect(() => new Webhook(payments.secret).verify(settlementsHook.received[0]!.body, settlementsHook.received[0]!.headers as Record<string, string>)).toThrow();
  });

  test("a receiver that answers 500 and then recovers gets everything, in order per aggregate", async () => {
    // each event is refused twice (fewer than MAX_ATTEMPTS), so every delivery goes through the backoff
    const tries = new Map<string, number>();
    const flaky = await receiver((_, request) => {
      const id = String(request.headers["webhook-id"]);
      tries.set(id, (tries.get(id) ?? 0) + 1);
      return tries.get(id)! <= 2 ? 500 : 204;
    });
    const hook = await register(tenantA, flaky.url, ["settlement.*"]);
    const from = await lastPosition();
    await settlementLifecycles(tenantA, 3);
    const expected = await publicEventIds("tenant-a", "settlement.", from);
    const succeededRequests = () => flaky.received.filter((request) => tries.get(String(request.headers["webhook-id"]))! >= 3 && request === lastTry(request));
    const lastTry = (request: ReceivedWebhook) => flaky.received.filter((r) => r.headers["webhook-id"] === request.headers["webhook-id"])[2];
    await waitUntil(() => succeededRequests().length >= expected.length, 20_000, "every event after recovery");
    const succeeded = succeededRequests().map((request) => verified(hook.secret, request));
    expect(succeeded.map((event) => event.id).sort()).toEqual([...expected].sort());
    expect(flaky.received).toHaveLength(3 * expected.length); // two refusals and one success each, the same webhook-id every time
    expectOrderPerAggregate(succeeded);
  });

  test("a receiver that never answers ends in dead letters, which a requeue through the API delivers once it answers", async () => {
    const dead = await receiver(() => "hang");
    const hook = await register(tenantA, dead.url, ["settlement.*"]);
    const from = await lastPosition();
    const [settlementId] = await settlementLifecycles(tenantA, 1);
    const expected = await publicEventIds("tenant-a", "settlement.", from);

    // the head of the aggregate is tried MAX_ATTEMPTS times, then dead; the rest wait behind it
    await waitUntil(async () => (await tenantA("GET", `/api/v1/dead-letters?group=webhook:${hook.id}`)).body.items.length === 1, 20_000, "the dead letter");
    expect(dead.received).toHaveLength(MAX_ATTEMPTS);
    const [letter] = (await tenantA("GET", `/api/v1/dead-letters?group=webhook:${hook.id}`)).body.items;
    expect(letter).toMatchObject({ webhook_id: hook.id, attempts: MAX_ATTEMPTS, event: { id: expected[0], aggregate_id: settlementId, type: "settlement.created" } });
    expect(letter.last_error).toMatch(/no answer within 300 ms/);
    const one = await tenantA("GET", `/api/v1/dead-letters/${letter.id}`);
    expect(one.body.event.payload).toMatchObject({ settlementId });
    expect((await tenantB("GET", `/api/v1/dead-letters/${letter.id}`)).status).toBe(404);
    expect((await tenantB("GET", "/api/v1/dead-letters")).body.items).toEqual([]);
    expect((await tenantB("POST", `/api/v1/dead-letters/${letter.id}/requeue`)).status).toBe(404);

    dead.behave(() => 204);
    expect((await tenantA("POST", `/api/v1/dead-letters/${letter.id}/requeue`)).status).toBe(202);
    await waitUntil(() => dead.received.length >= MAX_ATTEMPTS + expected.length, 20_000, "the requeued event and those behind it");
    const delivered = dead.received.slice(MAX_ATTEMPTS).map((request) => verified(hook.secret, request));
    expect(delivered.map((event) => event.id)).toEqual(expected);
    expect((await tenantA("GET", `/api/v1/dead-letters?group=webhook:${hook.id}`)).body.items).toEqual([]);
    expect((await tenantA("POST", `/api/v1/dead-letters/${letter.id}/requeue`)).status).toBe(404);
  });

  test("discarding a dead letter through the API lets the rest of its aggregate through, without it", async () => {
    const target = await receiver((n) => (n < MAX_ATTEMPTS ? 503 : 204));
    const hook = await register(tenantA, target.url, ["settlement.*"]);
    const from = await lastPosition();
    await settlementLifecycles(tenantA, 1);
    const [head, ...rest] = await publicEventIds("tenant-a", "settlement.", from);
    await waitUntil(async () => (await tenantA("GET", "/api/v1/dead-letters")).body.items.length === 1, 20_000, "the dead letter");
    const [letter] = (await tenantA("GET", "/api/v1/dead-letters")).body.items;
    expect(letter.event.id).toBe(head);
    expect(letter.last_error).toMatch(/^WebhookDeliveryError: the endpoint answered 503/);
    expect((await tenantB("DELETE", `/api/v1/dead-letters/${letter.id}`)).status).toBe(404);
    expect((await tenantA("DELETE", `/api/v1/dead-letters/${letter.id}`)).status).toBe(204);
    await waitUntil(() => target.received.length >= MAX_ATTEMPTS + rest.length, 20_000, "the events behind it");
    expect(target.received.slice(MAX_ATTEMPTS).map((request) => verified(hook.secret, request).id)).toEqual(rest);
    expect((await tenantA("GET", `/api/v1/dead-letters/${letter.id}`)).status).toBe(404);
    expect((await tenantA("GET", "/api/v1/dead-letters/not-an-id")).status).toBe(400);
  });

  test("a hung endpoint does not slow a healthy one: its latency stays within 2x of its latency alone", async () => {
    const healthy = await receiver();
    const hung = await receiver(() => "hang");
    await register(tenantA, healthy.url, ["payment.*"]);
    const sample = async (into: number[], count: number) => {
      for (let i = 0; i < count; i++) {
        const before = healthy.received.length;
        const started = performance.now();
        await tenantA("POST", "/api/v1/payments", { amount: "1.00", currency: "USD" });
        await waitUntil(() => healthy.received.length > before, 10_000, "the healthy endpoint");
        into.push(healthy.received[before]!.at - started);
      }
    };
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    await sample([], 5); // warm-up
    // alternate blocks, so that the machine's load drifting over time weighs on both sides alike
    const alone: number[] = [];
    const besideHung: number[] = [];
    for (let block = 0; block < 3; block++) {
      await sample(alone, 10);
      const { id } = await register(tenantA, hung.url, ["payment.*"]);
      await sample(besideHung, 10);
      expect((await tenantA("DELETE", `/api/v1/webhooks/${id}`)).status).toBe(204);
    }
    console.log(`healthy endpoint median latency over 30 events: alone ${median(alone).toFixed(1)} ms, beside a hung one ${median(besideHung).toFixed(1)} ms`);
    expect(hung.received.length).toBeGreaterThan(0); // the hung one was really being tried meanwhile
    expect(median(besideHung)).toBeLessThanOrEqual(2 * median(alone));
  });
});
