import { useTestDatabase } from "@org/test-harness";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { httpClient } from "./support/http.js";
import { spawnServer, type ServerProcess } from "./support/spawn-server.js";
import { openStream, type ReceivedEvent } from "./support/sse-client.js";

/** End to end: the real server process on real PostgreSQL, spoken to over HTTP and SSE. */
const database = useTestDatabase();
const KEY_A = "e2e-key-tenant-a-123";
const KEY_B = "e2e-key-tenant-b-456";
let server: ServerProcess;
let a: ReturnType<typeof httpClient>;
let b: ReturnType<typeof httpClient>;
const streams: { close(): void }[] = [];

beforeAll(async () => {
  server = await spawnServer({ DATABASE_URL: database.url, API_KEYS: `tenant-a:${KEY_A},tenant-b:${KEY_B}`, SSE_HEARTBEAT_MS: "300", PUBLISHER_POLL_INTERVAL_MS: "200" });
  a = httpClient(server.url, KEY_A);
  b = httpClient(server.url, KEY_B);
});

afterAll(async () => {
  for (const stream of streams) stream.close();
  expect(await server?.stop()).toBe(0);
});

function stream(path: string, headers: Record<string, string> = {}) {
  const opened = openStream(`${server.url}${path}`, headers);
  streams.push(opened);
  return opened;
}

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const of = (id: string) => (event: ReceivedEvent) => event.data.settlement_id === id || event.data.payment_id === id;

async function storedEventIds(id: string): Promise<string[]> {
  const { body } = await a("GET", `/api/v1/settlements/${id}/events`);
  return body.data.map((event: { id: string }) => event.id);
}

// Bounds, not expectations: see WAIT_LIMIT_MS in support/sse-client.ts.
describe("settlement service, end to end", { timeout: 180_000 }, () => {
  test("the whole lifecycle is read back through the stream, in order, with ids and snake_case data", async () => {
    const live = stream("/api/v1/events/stream?types=settlement.*", bearer(KEY_A));
    await live.open;
    const created = await a("POST", "/api/v1/settlements", { amount: "125.50", currency: "USD", required_confirmations: 3 });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    for (const [command, body] of [
      ["select-network", { network: "polygon", score: 0.92, reasoning: "lowest fees" }],
      ["estimate-gas", { gas_estimate: "0.0021" }],
      ["submit", { tx_hash: "0xabc" }],
      ["confirmations", { confirmations: 1 }],
      ["confirmations", { confirmations: 2 }],
      ["confirmations", { confirmations: 3 }],
      ["settle", { gas_actual: "0.0019" }],
    ] as const) {
      expect((await a("POST", `/api/v1/settlements/${id}/${command}`, body)).status, command).toBe(200);
    }
    const events = await live.waitFor(11, of(id));
    expect(events.map((e) => e.id)).toEqual(await storedEventIds(id));
    expect(events.map((e) => e.type)).toEqual([
      "settlement.created",
      "settlement.network_selected",
      "settlement.gas_estimated",
      "settlement.status_changed",
      "settlement.status_changed",
      "settlement.confirmation_progress",
      "settlement.confirmation_progress",
      "settlement.confirmation_progress",
      "settlement.status_changed",
      "settlement.status_changed",
      "settlement.settled",
    ]);
    const transitions = events.filter((e) => e.type === "settlement.status_changed").map((e) => `${e.data.from_status}>${e.data.to_status}`);
    expect(transitions).toEqual(["pending>submitted", "submitted>confirming", "confirming>confirmed", "confirmed>settled"]);
    const progress = events.filter((e) => e.type === "settlement.confirmation_progress").map((e) => e.data);
    expect(progress).toEqual([1, 2, 3].map((confirmations) => ({ settlement_id: id, confirmations, required: 3, network: "polygon" })));
    expect(events.at(-1)).toMatchObject({ type: "settlement.settled", data: { settlement_id: id, tx_hash: "0xabc", gas_actual: "0.0019", network: "polygon" } });
    for (const event of events) expect(event.id).toMatch(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  test("a client that disconnects resumes from Last-Event-ID (header or query) without gaps or duplicates", async () => {
    const id = (await a("POST", "/api/v1/settlements", { amount: "10.00", currency: "USD", required_confirmations: 2 })).body.id as string;
    const first = stream(`/api/v1/events/stream?aggregate_id=${id}`, bearer(KEY_A));
    await first.open;
    await a("POST", `/api/v1/settlements/${id}/select-network`, { network: "base", score: 0.7, reasoning: "fast" });
    await a("POST", `/api/v1/settlements/${id}/estimate-gas`, { gas_estimate: "0.01" });
    // settlement.created may or may not arrive: it committed just before the stream opened.
    const [, estimated] = await first.waitFor(2, (e) => e.type !== "settlement.created");
    first.close();

    // Missed while disconnected: submitted (1 event) and the first confirmation (2 events).
    await a("POST", `/api/v1/settlements/${id}/submit`, { tx_hash: "0xdef" });
    await a("POST", `/api/v1/settlements/${id}/confirmations`, { confirmations: 1 });
    const resumed = stream(`/api/v1/events/stream?aggregate_id=${id}`, { ...bearer(KEY_A), "Last-Event-ID": estimated!.id });
    await resumed.open;
    await a("POST", `/api/v1/settlements/${id}/confirmations`, { confirmations: 2 });
    const rest = await resumed.waitFor(5);

    const stored = await storedEventIds(id);
    expect(rest.map((e) => e.id)).toEqual(stored.slice(stored.indexOf(estimated!.id) + 1));
    expect(first.events.map((e) => e.id)).toEqual(stored.slice(stored.length - rest.length - first.events.length, stored.length - rest.length));
    const byQuery = stream(`/api/v1/events/stream?aggregate_id=${id}&last_event_id=${stored[0]}`, bearer(KEY_A));
    expect((await byQuery.waitFor(stored.length - 1)).map((e) => e.id)).toEqual(stored.slice(1));
  });

  test("an unknown Last-Event-ID gets a reset event instead of silence", async () => {
    const lost = stream("/api/v1/events/stream", { ...bearer(KEY_A), "Last-Event-ID": "evt_01JQXR5V0000000000000000" });
    const [reset] = await lost.waitFor(1);
    expect(reset!.type).toBe("reset");
  });

  test("a tenant's stream never carries another tenant's events, whatever it asks for", async () => {
    const id = (await a("POST", "/api/v1/settlements", { amount: "1.00", currency: "USD" })).body.id as string;
    const spy = stream(`/api/v1/events/stream?aggregate_id=${id}&types=*`, bearer(KEY_B));
    const everythingB = stream("/api/v1/events/stream", bearer(KEY_B));
    await Promise.all([spy.open, everythingB.open]);
    await a("POST", `/api/v1/settlements/${id}/fail`, { error: "cancelled" });
    await a("POST", "/api/v1/payments", { amount: "3.00", currency: "USD" });
    // Tenant B's own event comes after tenant A's in the feed: once B sees it, A's have gone by.
    const own = (await b("POST", "/api/v1/payments", { amount: "2.00", currency: "EUR" })).body.id as string;
    const [first] = await everythingB.waitFor(1);
    expect(first!.data.payment_id).toBe(own);
    expect(spy.events).toEqual([]);
    expect((await b("GET", `/api/v1/settlements/${id}`)).status).toBe(404);
  });

  test("browsers authenticate the stream with a short-lived token: cookie or ?access_token=", async () => {
    const issued = await a("POST", "/api/v1/events/token");
    expect(issued.status).toBe(201);
    const cookie = issued.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^stream_token=[^;]+;/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const token = issued.body.token as string;

    const byQuery = stream(`/api/v1/events/stream?types=payment.*&access_token=${encodeURIComponent(token)}`);
    const byCookie = stream("/api/v1/events/stream?types=payment.*", { Cookie: cookie.split(";")[0]! });
    await Promise.all([byQuery.open, byCookie.open]);
    const id = (await a("POST", "/api/v1/payments", { amount: "9.99", currency: "USD" })).body.id as string;
    expect((await byQuery.waitFor(1, of(id)))[0]!.type).toBe("payment.created");
    expect((await byCookie.waitFor(1, of(id)))[0]!.data).toEqual({ payment_id: id, amount: "9.99", currency: "USD" });

    const forged = await fetch(`${server.url}/api/v1/events/stream?access_token=${token.slice(0, -2)}xx`);
    expect(forged.status).toBe(401);
    expect((await forged.json()).error.code).toBe("unauthorized");
  });

  test("the stream's wire format, headers and heartbeats", async () => {
    const abort = new AbortController();
    const response = await fetch(`${server.url}/api/v1/events/stream?types=payment.created`, { headers: bearer(KEY_A), signal: abort.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    expect(response.headers.get("content-encoding") ?? "identity").toBe("identity");
    const id = (await a("POST", "/api/v1/payments", { amount: "1.50", currency: "GBP" })).body.id as string;
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    // Reads until the frame and a heartbeat arrived; bounded by the chunks a few heartbeats produce.
    for (let chunks = 0; chunks < 50 && !(text.includes(id) && /\n: ?heartbeat/.test(text)); chunks++) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    abort.abort();
    expect(text).toMatch(/^retry: \d+\n\n/);
    expect(text).toMatch(new RegExp(`event: payment\\.created\\nid: evt_[0-9A-Z]{26}\\ndata: \\{"payment_id":"${id}","amount":"1\\.50","currency":"GBP"\\}\\n\\n`));
    expect(text).toMatch(/\n: ?heartbeat/);
  });

  test("idempotency, 409s and bad input over real HTTP", async () => {
    const headers = { "Idempotency-Key": "e2e-order-1" };
    const first = await a("POST", "/api/v1/settlements", { amount: "7.00", currency: "USD" }, headers);
    const again = await a("POST", "/api/v1/settlements", { amount: "7.00", currency: "USD" }, headers);
    expect(again.body.id).toBe(first.body.id);
    expect((await storedEventIds(first.body.id)).length).toBe(1);

    const conflict = await a("POST", `/api/v1/settlements/${first.body.id}/confirmations`, { confirmations: 1 });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe("invalid_transition");

    const malformed = await a("POST", "/api/v1/settlements", "{oops");
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({ code: "malformed_json", field: "body" });
    const unknown = await a("POST", "/api/v1/settlements", { amount: "1", currency: "USD", owner: "me" });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.field).toBe("owner");
    const huge = await a("POST", "/api/v1/settlements", { amount: "1", currency: "USD", pad: "x".repeat(100_000) });
    expect(huge.status).toBe(413);
    expect((await fetch(`${server.url}/api/v1/settlements`)).status).toBe(401);
  });

  test("operations endpoints: health, readiness, metrics, stats, OpenAPI", async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: "ok" });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^# TYPE http_request_duration_seconds histogram$/m);
    expect(metrics).toMatch(/^http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/settlements",status="201"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^http_request_duration_seconds_bucket\{le="0.1",method="GET",route="\/readyz",status="200"\} \d+$/m);
    expect(metrics).toMatch(/^outbox_events_relayed_total\{source="\$feed"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^outbox_commit_to_relay_seconds_count\{source="\$feed"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^outbox_oldest_open_transaction_seconds \d+(\.\d+)?$/m);
    expect(metrics).toMatch(/^outbox_backlog \d+$/m);
    expect(metrics).toMatch(/^sse_clients \d+$/m);
    expect(metrics).toMatch(/^sse_evictions_total \d+$/m);
    expect(metrics).toMatch(/^process_cpu_user_seconds_total /m);
    expect(metrics).toMatch(/^nodejs_eventloop_lag_seconds /m);
    const stats = await a("GET", "/api/v1/events/stats");
    // The tenant's own figures only; the relay's are on /metrics.
    expect(stats.body).toEqual({ sse: { clients: expect.any(Number), clientsByFilter: expect.any(Object) } });
    expect(metrics).toMatch(/^outbox_is_leader 1$/m);
    const openapi = await a("GET", "/api/v1/openapi.json");
    expect(openapi.body.paths["/api/v1/settlements"].post.requestBody.content["application/json"].schema).toMatchObject({
      required: ["amount", "currency"],
      additionalProperties: false,
    });
  });
});
