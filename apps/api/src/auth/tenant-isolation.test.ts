import { useTestDatabase } from "@org/test-harness";
import { beforeAll, describe, expect, test } from "vitest";
import { buildTestApp, countEvents, type TestClient } from "../test-support/test-app.js";
import { provisionApiKeys } from "./api-keys.js";

/**
 * Tenant A against tenant B's data through every route and filter: it can
 * neither read, change, list nor count it; its keys are checked (missing,
 * wrong, expired: 401); and keys are stored only as digests.
 */
const database = useTestDatabase();
let app: Awaited<ReturnType<typeof buildTestApp>>["app"];
let tenantA: TestClient;
let tenantB: TestClient;
let anonymous: TestClient;
const b = { settlement: "", payment: "", events: [] as string[] };

beforeAll(async () => {
  ({ app, tenantA, tenantB, anonymous } = await buildTestApp(database.db));
  b.payment = (await tenantB("POST", "/api/v1/payments", { amount: "10.00", currency: "USD" })).body.id;
  b.settlement = (await tenantB("POST", "/api/v1/settlements", { amount: "5.00", currency: "USD", payment_id: b.payment })).body.id;
  b.events = (await tenantB("GET", `/api/v1/settlements/${b.settlement}/events`)).body.data.map((event: { id: string }) => event.id);
  await tenantA("POST", "/api/v1/settlements", { amount: "1.00", currency: "USD" });
});

describe("tenant isolation", () => {
  test("every route that names B's settlement or payment answers 404 to A and changes nothing", async () => {
    const before = await countEvents(database.db);
    const attempts: [string, string, unknown?][] = [
      ["GET", `/api/v1/settlements/${b.settlement}`],
      ["GET", `/api/v1/settlements/${b.settlement}/events`],
      ["GET", `/api/v1/settlements/${b.settlement}/reconstruction`],
      ["POST", `/api/v1/settlements/${b.settlement}/select-network`, { network: "polygon", score: 1, reasoning: "x" }],
      ["POST", `/api/v1/settlements/${b.settlement}/estimate-gas`, { gas_estimate: "1" }],
      ["POST", `/api/v1/settlements/${b.settlement}/submit`, { tx_hash: "0x1" }],
      ["POST", `/api/v1/settlements/${b.settlement}/confirmations`, { confirmations: 1 }],
      ["POST", `/api/v1/settlements/${b.settlement}/settle`, { gas_actual: "1" }],
      ["POST", `/api/v1/settlements/${b.settlement}/fail`, { error: "x" }],
      ["GET", `/api/v1/payments/${b.payment}`],
      ["POST", `/api/v1/payments/${b.payment}/status`, { status: "authorized" }],
      ["POST", `/api/v1/payments/${b.payment}/refund`, { amount: "1.00" }],
    ];
    for (const [method, path, body] of attempts) {
      const response = await tenantA(method, path, body);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(JSON.stringify(response.body), `${method} ${path}`).not.toContain("tenant-b");
    }
    // A settlement of A cannot point at B's payment either.
    const linked = await tenantA("POST", "/api/v1/settlements", { amount: "1.00", currency: "USD", payment_id: b.payment });
    expect(linked.status).toBe(422);
    expect(await countEvents(database.db)).toBe(before);
    expect((await tenantB("GET", `/api/v1/settlements/${b.settlement}`)).body.status).toBe("pending");
  });

  test("operations: A cannot replay to B's endpoint, widen the dead letters to B, or see B's endpoints in the outbox stats", async () => {
    const hook = await tenantB("POST", "/api/v1/webhooks", { url: "https://93.184.215.14/b", types: ["*"] });
    expect(hook.status).toBe(201);
    expect((await tenantA("POST", `/api/v1/webhooks/${hook.body.id}/replay`, { after: b.events[0] })).status).toBe(404);
    expect((await tenantA("DELETE", `/api/v1/webhooks/${hook.body.id}`)).status).toBe(404);
    const { id: ownHook } = (await tenantA("POST", "/api/v1/webhooks", { url: "https://93.184.215.14/a", types: ["*"] })).body;
    const foreignStart = await tenantA("POST", `/api/v1/webhooks/${ownHook}/replay`, { after: b.events[0] });
    expect(foreignStart.status).toBe(422);
    expect(foreignStart.body.error.field).toBe("after");
    expect((await tenantA("GET", "/api/v1/dead-letters?tenant_id=tenant-b")).status).toBe(403);
    const stats = await tenantA("GET", "/api/v1/outbox/stats");
    expect(stats.status).toBe(200);
    expect(JSON.stringify(stats.body)).not.toContain("tenant-b");
    expect(JSON.stringify(stats.body)).not.toContain(hook.body.id);
    expect((await tenantA("GET", "/api/v1/webhooks")).body.items.map((item: { id: string }) => item.id)).toEqual([ownHook]);
  });

  test("lists, filters and cursors show A only its own", async () => {
    for (const query of ["", "?status=pending", `?cursor=${b.settlement}`, "?limit=100"]) {
      const page = await tenantA("GET", `/api/v1/settlements${query}`);
      expect(page.status, query).toBe(200);
      expect(page.body.data.every((s: { id: string }) => s.id !== b.settlement), query).toBe(true);
    }
  });

  test("stats count only A's own streams", async () => {
    const streamB = await app.request("/api/v1/events/stream", { headers: { Authorization: "Bearer key-tenant-b-000000" } });
    expect(streamB.status).toBe(200);
    const stats = await tenantA("GET", "/api/v1/events/stats");
    expect(stats.body).toEqual({ sse: { clients: 0, clientsByFilter: {} } });
    expect((await tenantB("GET", "/api/v1/events/stats")).body.sse.clients).toBe(1);
    await streamB.body?.cancel();
  });

  test("A's stream token opens A's stream only; the query cannot widen it to B", async () => {
    const { token } = (await tenantA("POST", "/api/v1/events/token")).body;
    const stream = await app.request(`/api/v1/events/stream?access_token=${token}&aggregate_id=${b.settlement}`);
    expect(stream.status).toBe(200);
    const stats = await tenantB("GET", "/api/v1/events/stats");
    expect(stats.body.sse.clients).toBe(0);
    const own = await tenantA("GET", "/api/v1/events/stats");
    expect(Object.keys(own.body.sse.clientsByFilter)).toEqual([expect.stringMatching(/^tenant=tenant-a /)]);
    await stream.body?.cancel();
  });

  test("401 for a missing, malformed, wrong or expired key", async () => {
    await provisionApiKeys(database.db, [{ tenantId: "tenant-a", key: "key-expired-00000000", expiresAt: new Date(Date.now() - 1_000) }]);
    await provisionApiKeys(database.db, [{ tenantId: "tenant-a", key: "key-not-yet-expired-0", expiresAt: new Date(Date.now() + 60_000) }]);
    for (const headers of [{} as Record<string, string>, { Authorization: "key-tenant-a-000000" }, { Authorization: "Bearer nope-nope-nope" }, { Authorization: "Bearer key-expired-00000000" }]) {
      const response = await anonymous("GET", "/api/v1/settlements", undefined, headers);
      expect(response.status, JSON.stringify(headers)).toBe(401);
      expect(response.body.error.code).toBe("unauthorized");
    }
    expect((await anonymous("GET", "/api/v1/settlements", undefined, { Authorization: "Bearer key-not-yet-expired-0" })).status).toBe(200);
  });

  test("keys are stored as sha256 digests only", async () => {
    const rows = await database.db.selectFrom("api_keys").select(["key_hash"]).execute();
    for (const { key_hash } of rows) expect(key_hash).toMatch(/^[0-9a-f]{64}$/);
    const stored = JSON.stringify(await database.db.selectFrom("api_keys").selectAll().execute());
    expect(stored).not.toContain("key-tenant-a-000000");
  });
});
