import http from "node:http";
import { useTestDatabase } from "@org/test-harness";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { httpClient } from "../e2e/support/http.js";
import { spawnServer, type ServerProcess } from "../e2e/support/spawn-server.js";
import { adminUrlOf, databaseNameOf, queryOnce, terminateDatabaseConnections } from "./support/admin.js";
import { rawRequest } from "./support/raw-http.js";

/**
 * The six findings of an operator's and an attacker's first look, each
 * against the real server process on real PostgreSQL.
 */
const database = useTestDatabase();
const KEYS = { a: "findings-key-tenant-a-1", b: "findings-key-tenant-b-2", rate: "findings-key-rate-3" };
let server: ServerProcess;
let a: ReturnType<typeof httpClient>;
let b: ReturnType<typeof httpClient>;
const RATE_LIMIT = 40;

beforeAll(async () => {
  server = await spawnServer({
    DATABASE_URL: database.url,
    API_KEYS: `tenant-a:${KEYS.a},tenant-b:${KEYS.b},tenant-r:${KEYS.rate}`,
    SSE_HEARTBEAT_MS: "1000",
    PUBLISHER_POLL_INTERVAL_MS: "200",
    SSE_MAX_CLIENTS_PER_TENANT: "2",
    RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
  });
  a = httpClient(server.url, KEYS.a);
  b = httpClient(server.url, KEYS.b);
});

afterAll(async () => {
  expect(await server?.stop()).toBe(0);
});

const alive = () => server.child.exitCode === null && server.child.signalCode === null;

async function openStreamResponse(key: string, signal: AbortSignal): Promise<Response> {
  return fetch(`${server.url}/api/v1/events/stream`, { headers: { Authorization: `Bearer ${key}` }, signal });
}

describe("hostile findings", () => {
  test("terminating the app's idle database connections does not end the process", async () => {
    // Fill the pool with several idle connections.
    await Promise.all(Array.from({ length: 8 }, () => a("GET", "/api/v1/settlements")));
    const ended = await terminateDatabaseConnections(adminUrlOf(database.url), databaseNameOf(database.url));
    expect(ended).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(alive()).toBe(true);
    const created = await a("POST", "/api/v1/settlements", { amount: "1.00", currency: "USD" });
    expect(created.status).toBe(201);
  });

  test("a NUL character in a string field answers 400 and writes nothing", async () => {
    const created = await a("POST", "/api/v1/settlements", { amount: "1.00", currency: "USD" });
    const id = created.body.id as string;
    const count = async () => Number((await queryOnce<{ n: string }>(database.url, "select count(*) as n from domain_events"))[0]!.n);
    const before = await count();
    const fail = await a("POST", `/api/v1/settlements/${id}/fail`, '{"error":"a\\u0000b"}');
    expect(fail.status).toBe(400);
    expect(fail.body.error).toMatchObject({ code: "invalid_parameter", field: "error" });
    const select = await a("POST", `/api/v1/settlements/${id}/select-network`, { network: "polygon", score: 1, reasoning: "x\u0000y" });
    expect(select.status).toBe(400);
    expect(select.body.error).toMatchObject({ code: "invalid_parameter", field: "reasoning" });
    const surrogate = await a("POST", `/api/v1/settlements/${id}/fail`, '{"error":"lone \\ud800 surrogate"}');
    expect(surrogate.status).toBe(400);
    expect(await count()).toBe(before);
  });

  test("events/stats shows a tenant only its own figures", async () => {
    const controller = new AbortController();
    try {
      const stream = await openStreamResponse(KEYS.a, controller.signal);
      expect(stream.status).toBe(200);
      const own = await a("GET", "/api/v1/events/stats");
      const other = await b("GET", "/api/v1/events/stats");
      expect(own.status).toBe(200);
      expect(own.body.sse.clients).toBe(1);
      expect(other.body.sse.clients).toBe(0);
      // Nothing server-wide: no relay figures, no broadcast counters of all tenants.
      expect(other.body).not.toHaveProperty("publisher");
      expect(JSON.stringify(other.body)).not.toContain("tenant-a");
      expect(other.body.sse).not.toHaveProperty("eventsBroadcast");
    } finally {
      controller.abort();
    }
  });

  test("SSE connections are limited per tenant: 429 with Retry-After, other tenants unaffected", async () => {
    const controller = new AbortController();
    try {
      const first = await openStreamResponse(KEYS.a, controller.signal);
      const second = await openStreamResponse(KEYS.a, controller.signal);
      expect([first.status, second.status]).toEqual([200, 200]);
      const third = await openStreamResponse(KEYS.a, controller.signal);
      expect(third.status).toBe(429);
      expect(Number(third.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(((await third.json()) as { error: { code: string } }).error.code).toBe("too_many_streams");
      const otherTenant = await openStreamResponse(KEYS.b, controller.signal);
      expect(otherTenant.status).toBe(200);
    } finally {
      controller.abort();
    }
  });

  test("requests are limited per key: 429 with Retry-After past RATE_LIMIT_PER_MINUTE", async () => {
    const rate = httpClient(server.url, KEYS.rate);
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof rate>> | undefined;
    for (let i = 0; i < RATE_LIMIT + 5 && !limited; i++) {
      const response = await rate("GET", "/api/v1/settlements");
      statuses.push(response.status);
      if (response.status === 429) limited = response;
    }
    expect(statuses.filter((status) => status === 200).length).toBe(RATE_LIMIT);
    expect(limited?.body.error.code).toBe("rate_limited");
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another key keeps its own budget.
    expect((await b("GET", "/api/v1/settlements")).status).toBe(200);
  });

  test("the OpenAPI document is served without a key", async () => {
    const response = await fetch(`${server.url}/api/v1/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toContain("/api/v1/settlements");
  });

  test("headers over 16 KiB answer 431 and the server carries on", async () => {
    const response = await rawRequest(`${server.url}/api/v1/settlements`, { headers: { Authorization: `Bearer ${KEYS.a}`, "X-Padding": "p".repeat(32 * 1024) } });
    expect(response.status).toBe(431);
    expect(alive()).toBe(true);
    expect((await a("GET", "/api/v1/settlements")).status).toBe(200);
  });

  test("a body over the limit answers 413 with Connection: close, and a keep-alive client's next request succeeds", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const headers = { Authorization: `Bearer ${KEYS.a}`, "Content-Type": "application/json" };
      const big = JSON.stringify({ amount: "1.00", currency: "USD", pad: "x".repeat(64 * 1024) });
      const tooLarge = await rawRequest(`${server.url}/api/v1/settlements`, { method: "POST", headers, body: big, agent });
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.headers.connection).toBe("close");
      const next = await rawRequest(`${server.url}/api/v1/settlements`, { method: "POST", headers, body: JSON.stringify({ amount: "2.00", currency: "USD" }), agent });
      expect(next.status).toBe(201);
    } finally {
      agent.destroy();
    }
  });
});
