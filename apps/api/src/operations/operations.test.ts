import { fromCloudEvent, fromHttp } from "@org/events";
import { useTestDatabase } from "@org/test-harness";
import { sql } from "kysely";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { buildTestApp, countEvents, type TestClient } from "../test-support/test-app.js";
import { startReceiver, waitUntil, type Receiver, type ReceivedWebhook, registerWebhook } from "../test-support/webhook-receiver.js";
import { EVENT_SOURCE, publicEvents } from "../webhooks/public-events.js";
import { createWebhookDelivery, type WebhookDelivery } from "../webhooks/webhook-delivery.js";

/**
 * Operating the outbox through the service: the admin key against tenant
 * keys, replaying a range to one endpoint, and the outbox and delivery
 * figures, against real webhook receivers.
 */
const database = useTestDatabase();
const MAX_ATTEMPTS = 3;
let delivery: WebhookDelivery;
let tenantA: TestClient;
let tenantB: TestClient;
let admin: TestClient;
const receivers: Receiver[] = [];

const newDelivery = () =>
  createWebhookDelivery(database.db, {
    allowPrivateNetworks: true,
    timeoutMs: 1000,
    retry: { initialDelayMs: 10, multiplier: 2, maxDelayMs: 40, maxAttempts: MAX_ATTEMPTS, jitter: 0.5 },
    pollIntervalMs: 50,
    refreshIntervalMs: 200,
  });

beforeAll(async () => {
  delivery = newDelivery();
  ({ tenantA, tenantB, admin } = await buildTestApp(database.db, undefined, {
    webhooks: { allowPrivateNetworks: true, onChange: () => delivery.refresh(), onReplay: () => delivery.notify() },
    afterCommit: () => delivery.notify(),
    onRequeue: () => delivery.notify(),
    deliveryStats: (id) => delivery.stats(id),
  }));
  await delivery.start();
});

afterEach(async () => {
  for (const client of [tenantA, tenantB]) {
    for (const { id } of (await client("GET", "/api/v1/webhooks")).body.items as { id: string }[]) await client("DELETE", `/api/v1/webhooks/${id}`);
  }
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

afterAll(async () => delivery.stop());

async function receiver(behaviour?: Parameters<typeof startReceiver>[0]) {
  const started = await startReceiver(behaviour);
  receivers.push(started);
  return started;
}

const register = registerWebhook;

const verified = (secret: string, request: ReceivedWebhook) => {
  new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
  return fromCloudEvent(fromHttp({ headers: request.headers, body: request.body }), { catalog: publicEvents, source: EVENT_SOURCE });
};

async function failedSettlement(client: TestClient): Promise<string> {
  const id = (await client("POST", "/api/v1/settlements", { amount: "1.00", currency: "USDC" })).body.id as string;
  expect((await client("POST", `/api/v1/settlements/${id}/fail`, { error: "reverted" })).status).toBe(200);
  return id;
}

/** The tenant's public settlement events, in the log's order. */
async function publicSettlementEvents(tenantId: string): Promise<string[]> {
  const { rows } = await sql<{ id: string; event_type: string }>`
    select id, event_type from domain_events where tenant_id = ${tenantId} and event_type like 'settlement.%' order by transaction_id, position`.execute(database.db);
  return rows.filter((row) => publicEvents.isPublic(row.event_type)).map((row) => row.id);
}

const endpointStats = async (client: TestClient, id: string) => ((await client("GET", "/api/v1/outbox/stats")).body.endpoints as any[]).find((e) => e.webhook_id === id);

describe("the admin key", () => {
  test("sees and acts on every tenant's dead letters; a tenant key only on its own, even by id; tenant routes refuse the admin key", async () => {
    const deadA = await receiver(() => 503);
    const deadB = await receiver(() => 503);
    const hookA = await register(tenantA, deadA.url, ["settlement.*"]);
    const hookB = await register(tenantB, deadB.url, ["settlement.*"]);
    await failedSettlement(tenantA);
    await failedSettlement(tenantB);
    const lettersOf = async (client: TestClient, query = "") => (await client("GET", `/api/v1/dead-letters${query}`)).body.items as { id: string; tenant_id: string; attempts: number }[];
    await waitUntil(async () => (await lettersOf(admin)).length === 2, 20_000, "a dead letter per tenant");

    expect((await lettersOf(admin)).map((letter) => letter.tenant_id).sort()).toEqual(["tenant-a", "tenant-b"]);
    const [letterB] = await lettersOf(admin, "?tenant_id=tenant-b");
    expect(letterB).toMatchObject({ tenant_id: "tenant-b", attempts: MAX_ATTEMPTS, id: expect.stringContaining(`@webhook:${hookB.id}`) });
    expect((await lettersOf(tenantA)).map((letter) => letter.tenant_id)).toEqual(["tenant-a"]);
    const widened = await tenantA("GET", "/api/v1/dead-letters?tenant_id=tenant-b");
    expect(widened.status).toBe(403);
    expect(widened.body.error).toMatchObject({ code: "forbidden", field: "query.tenant_id" });

    // a tenant key cannot read, requeue or discard another tenant's dead letter: 404, and it stays dead
    for (const [method, path] of [["GET", `/api/v1/dead-letters/${letterB!.id}`], ["POST", `/api/v1/dead-letters/${letterB!.id}/requeue`], ["DELETE", `/api/v1/dead-letters/${letterB!.id}`]] as const) {
      expect((await tenantA(method, path)).status, `${method} ${path}`).toBe(404);
    }
    expect((await admin("GET", `/api/v1/dead-letters/${letterB!.id}`)).body).toMatchObject({ tenant_id: "tenant-b", attempts: MAX_ATTEMPTS });
    const receivedByB = deadB.received.length;

    // the admin key requeues B's: B's receiver, answering now, gets it and what waited behind it
    deadB.behave(() => 204);
    expect((await admin("POST", `/api/v1/dead-letters/${letterB!.id}/requeue`)).status).toBe(202);
    const expectedB = await publicSettlementEvents("tenant-b");
    await waitUntil(() => deadB.received.length >= receivedByB + expectedB.length, 20_000, "B's requeued events");
    expect(deadB.received.slice(receivedByB).map((request) => verified(hookB.secret, request).id)).toEqual(expectedB);
    expect(await lettersOf(admin, "?tenant_id=tenant-b")).toEqual([]);
    expect((await lettersOf(admin, "?tenant_id=tenant-a")).map((letter) => letter.id)).toEqual([expect.stringContaining(`@webhook:${hookA.id}`)]);

    // the admin key is no tenant: every tenant route refuses it, and it writes nothing
    const before = await countEvents(database.db);
    for (const [method, path, body] of [
      ["GET", "/api/v1/settlements"],
      ["POST", "/api/v1/settlements", { amount: "1.00", currency: "USD" }],
      ["POST", "/api/v1/webhooks", { url: deadA.url, types: ["*"] }],
      ["POST", `/api/v1/webhooks/${hookA.id}/replay`, { from: "2020-01-01T00:00:00Z" }],
      ["GET", "/api/v1/events/stats"],
    ] as const) {
      const response = await admin(method, path, body);
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.body.error.code).toBe("forbidden");
    }
    expect(await countEvents(database.db)).toBe(before);
  });

  test("outbox stats: the admin key sees every tenant's endpoints and the open transactions; a tenant key its own only", async () => {
    const hookA = await register(tenantA, (await receiver()).url, ["payment.*"]);
    const hookB = await register(tenantB, (await receiver()).url, ["payment.*"]);
    const all = (await admin("GET", "/api/v1/outbox/stats")).body;
    expect(all.tenant_id).toBeNull();
    expect(all.endpoints.map((e: { webhook_id: string }) => e.webhook_id).sort()).toEqual([hookA.id, hookB.id].sort());
    expect(all.open_transactions).toMatchObject({ holding_readers: expect.any(Number) });
    const own = (await tenantA("GET", "/api/v1/outbox/stats")).body;
    expect(own.tenant_id).toBe("tenant-a");
    expect(own.endpoints.map((e: { webhook_id: string }) => e.webhook_id)).toEqual([hookA.id]);
    expect(own).not.toHaveProperty("open_transactions");
    expect(JSON.stringify(own)).not.toContain("tenant-b");
  });
});

describe("outbox and delivery stats", () => {
  test("a dead receiver shows as retries and a dead letter with its error; the events behind it as backlog", async () => {
    const dead = await receiver(() => 503);
    const hook = await register(tenantA, dead.url, ["settlement.*"]);
    expect(await endpointStats(tenantA, hook.id)).toMatchObject({ backlog: 0, oldest_pending_age_ms: null, retrying: 0, dead_letters: 0, last_error: null });
    const before = await sql<{ p: string | null }>`select max(position) as p from domain_events`.execute(database.db);
    await failedSettlement(tenantA);
    const events = await sql<{ n: string }>`select count(*) as n from domain_events where tenant_id = 'tenant-a' and position > ${before.rows[0]!.p ?? 0}`.execute(database.db);
    const written = Number(events.rows[0]!.n);
    expect(written).toBeGreaterThanOrEqual(2);
    await waitUntil(async () => {
      const figures = await endpointStats(tenantA, hook.id);
      return figures.dead_letters === 1 && figures.this_instance?.dead_lettered === 1;
    }, 20_000, "the dead letter");
    const stats = await endpointStats(tenantA, hook.id);
    // the head is dead after MAX_ATTEMPTS tries; the rest of its aggregate waits behind it
    expect(stats).toMatchObject({ backlog: written - 1, retrying: 0, dead_letters: 1, last_error: expect.stringMatching(/answered 503/) });
    expect(stats.oldest_pending_age_ms).toBeGreaterThanOrEqual(0);
    expect(stats.this_instance).toMatchObject({ retries: MAX_ATTEMPTS - 1, dead_lettered: 1, delivered: 0, latency_ms: null });
    expect(dead.received).toHaveLength(MAX_ATTEMPTS);
  });

  test("an endpoint queues and counts only its own tenant's events: another tenant's traffic never passes through its group", async () => {
    const target = await receiver();
    const hook = await register(tenantA, target.url, ["settlement.*"]);
    await failedSettlement(tenantB);
    const { rows } = await sql<{ transaction_id: string; position: string }>`
      select transaction_id::text, position::text from domain_events where tenant_id = 'tenant-b' order by transaction_id desc, position desc limit 1`.execute(database.db);
    const lastOfB = rows[0]!;
    const passed = async () =>
      (await sql<{ passed: boolean }>`select (transaction_id, position) >= (${lastOfB.transaction_id}::xid8, ${lastOfB.position}::bigint) as passed from domain_events_groups where group_name = ${`webhook:${hook.id}`}`.execute(database.db)).rows[0]?.passed === true;
    const queued = async () => Number((await sql<{ n: string }>`select count(*) as n from domain_events_deliveries where group_name = ${`webhook:${hook.id}`}`.execute(database.db)).rows[0]!.n);
    await waitUntil(async () => (await passed()) && (await queued()) === 0, 20_000, "tenant A's endpoint group to pass tenant B's events");
    expect(target.received).toHaveLength(0);
    expect((await endpointStats(tenantA, hook.id)).this_instance?.delivered ?? 0).toBe(0);
  });

  test("while the workers are stopped the backlog grows and ages; once they run again it drains and latency is counted", async () => {
    const target = await receiver();
    const hook = await register(tenantA, target.url, ["payment.*"]);
    const feedBefore = (await tenantA("GET", "/api/v1/outbox/stats")).body.feed.backlog as number;
    const feedOfB = (await tenantB("GET", "/api/v1/outbox/stats")).body.feed.backlog as number;
    await delivery.stop();
    for (let i = 0; i < 3; i++) expect((await tenantA("POST", "/api/v1/payments", { amount: "1.00", currency: "USD" })).status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopped = (await tenantA("GET", "/api/v1/outbox/stats")).body;
    const endpoint = stopped.endpoints.find((e: { webhook_id: string }) => e.webhook_id === hook.id);
    expect(endpoint).toMatchObject({ backlog: 3, dead_letters: 0, this_instance: null });
    expect(endpoint.oldest_pending_age_ms).toBeGreaterThanOrEqual(250);
    expect(target.received).toHaveLength(0);
    // no relay runs in this test app: the feed's backlog is every event written, counted per tenant
    expect(stopped.feed.backlog).toBe(feedBefore + 3);
    expect((await tenantB("GET", "/api/v1/outbox/stats")).body.feed.backlog).toBe(feedOfB);

    delivery = newDelivery();
    await delivery.start();
    await waitUntil(() => target.received.length === 3, 20_000, "the backlog to drain");
    await waitUntil(async () => (await endpointStats(tenantA, hook.id)).backlog === 0, 20_000, "the backlog figure to drop");
    const drained = await endpointStats(tenantA, hook.id);
    expect(drained).toMatchObject({ oldest_pending_age_ms: null, this_instance: { delivered: 3, retries: 0, latency_ms: { count: 3 } } });
    expect(drained.this_instance.latency_ms.max).toBeGreaterThanOrEqual(250);
  });
});

describe("replaying a range to one endpoint", () => {
  test("the range arrives again at that endpoint only, signed, in order per aggregate, and nothing outside it", async () => {
    const [x, y, b] = [await receiver(), await receiver(), await receiver()];
    const hookX = await register(tenantA, x.url, ["settlement.*"]);
    const hookY = await register(tenantA, y.url, ["settlement.*"]);
    await register(tenantB, b.url, ["settlement.*"]);
    const from = (await publicSettlementEvents("tenant-a")).length;
    for (let i = 0; i < 3; i++) await failedSettlement(tenantA);
    await failedSettlement(tenantB);
    const events = (await publicSettlementEvents("tenant-a")).slice(from);
    expect(events).toHaveLength(9);
    await waitUntil(() => x.received.length === 9 && y.received.length === 9 && b.received.length === 3, 20_000, "the first deliveries");

    const replay = await tenantA("POST", `/api/v1/webhooks/${hookX.id}/replay`, { after: events[1], until: events[6] });
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual({ webhook_id: hookX.id, queued: 5 });
    await waitUntil(() => x.received.length === 14, 20_000, "the replayed range");
    await new Promise((resolve) => setTimeout(resolve, 300)); // anything extra would show up now
    const again = x.received.slice(9).map((request) => verified(hookX.secret, request));
    expect(again.map((event) => event.id).sort()).toEqual(events.slice(2, 7).sort());
    const last = new Map<string, number>();
    for (const event of again) {
      expect(event.aggregateVersion).toBeGreaterThan(last.get(event.aggregateId) ?? 0);
      last.set(event.aggregateId, event.aggregateVersion);
    }
    expect([x.received.length, y.received.length, b.received.length]).toEqual([14, 9, 3]);

    // types narrow the endpoint's own; a time range works too
    const created = (await tenantA("GET", "/api/v1/settlements?limit=100")).body.data.at(-1).created_at as string;
    const failedOnly = await tenantA("POST", `/api/v1/webhooks/${hookY.id}/replay`, { from: created, types: ["settlement.failed", "payment.*"] });
    expect(failedOnly.body.queued).toBeGreaterThanOrEqual(3);
    await waitUntil(() => y.received.length === 9 + failedOnly.body.queued, 20_000, "the failures again");
    expect(y.received.slice(9).every((request) => verified(hookY.secret, request).eventType === "settlement.failed")).toBe(true);
  });

  test("bad ranges are refused with the field named and nothing queued; another tenant's endpoint or event is not found", async () => {
    const target = await receiver();
    const hook = await register(tenantA, target.url, ["settlement.*"]);
    const publicBefore = (await publicSettlementEvents("tenant-a")).length;
    await failedSettlement(tenantA);
    const expected = (await publicSettlementEvents("tenant-a")).length - publicBefore;
    await failedSettlement(tenantB);
    const [eventOfB] = await publicSettlementEvents("tenant-b");
    const queued = async () => Number((await sql<{ n: string }>`select count(*) as n from domain_events_deliveries where group_name = ${`webhook:${hook.id}`}`.execute(database.db)).rows[0]!.n);
    // Every event of the failed settlement delivered (an empty queue alone may only mean the next ones are not queued yet).
    await waitUntil(async () => target.received.length === expected && (await queued()) === 0, 20_000, "the first deliveries");
    const received = target.received.length;
    for (const [body, status, field] of [
      [{}, 422, "from"],
      [{ to: "2030-01-01T00:00:00Z" }, 422, "from"],
      [{ from: "2030-01-02T00:00:00Z", to: "2030-01-01T00:00:00Z" }, 422, "to"],
      [{ from: "yesterday" }, 422, "from"],
      [{ after: "evt_nope" }, 422, "after"],
      [{ after: eventOfB }, 422, "after"],
      [{ from: "2020-01-01T00:00:00Z", types: ["settle%"] }, 422, "types.0"],
      [{ from: "2020-01-01T00:00:00Z", everything: true }, 422, "everything"],
    ] as const) {
      const response = await tenantA("POST", `/api/v1/webhooks/${hook.id}/replay`, body);
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(response.body.error.field, JSON.stringify(body)).toBe(field);
    }
    expect((await tenantA("POST", "/api/v1/webhooks/not-an-id/replay", { from: "2020-01-01T00:00:00Z" })).status).toBe(400);
    expect((await tenantB("POST", `/api/v1/webhooks/${hook.id}/replay`, { from: "2020-01-01T00:00:00Z" })).status).toBe(404);
    expect(await queued()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(target.received).toHaveLength(received);
  });
});
