import { useTestDatabase } from "@org/test-harness";
import { beforeAll, describe, expect, test } from "vitest";
import { buildTestApp, countEvents, type TestClient } from "../test-support/test-app.js";

const database = useTestDatabase();
let tenantA: TestClient;
let tenantB: TestClient;
let anonymous: TestClient;

beforeAll(async () => {
  ({ tenantA, tenantB, anonymous } = await buildTestApp(database.db));
});

async function createSettlement(client: TestClient, body: Record<string, unknown> = {}) {
  const response = await client("POST", "/api/v1/settlements", { amount: "125.50", currency: "USD", required_confirmations: 2, ...body });
  expect(response.status).toBe(201);
  return response.body as { id: string; status: string };
}

describe("settlement routes", () => {
  test("a settlement goes through its lifecycle, and its events rebuild it", async () => {
    const { id, status } = await createSettlement(tenantA);
    expect(id).toMatch(/^stl_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(status).toBe("pending");
    const steps: [string, unknown, string][] = [
      ["select-network", { network: "polygon", score: 0.92, reasoning: "lowest fees" }, "pending"],
      ["estimate-gas", { gas_estimate: "0.0021" }, "pending"],
      ["submit", { tx_hash: "0xabc" }, "submitted"],
      ["confirmations", { confirmations: 1 }, "confirming"],
      ["confirmations", { confirmations: 2 }, "confirmed"],
      ["settle", { gas_actual: "0.0019" }, "settled"],
    ];
    for (const [command, body, expected] of steps) {
      const response = await tenantA("POST", `/api/v1/settlements/${id}/${command}`, body);
      expect(response.status, command).toBe(200);
      expect(response.body.status).toBe(expected);
    }
    const events = await tenantA("GET", `/api/v1/settlements/${id}/events`);
    expect(events.body.data.map((e: { type: string }) => e.type)).toEqual([
      "settlement.created",
      "settlement.network_selected",
      "settlement.gas_estimated",
      "settlement.status_changed",
      "settlement.status_changed",
      "settlement.confirmation_progress",
      "settlement.confirmation_progress",
      "settlement.status_changed",
      "settlement.status_changed",
      "settlement.settled",
    ]);
    expect(events.body.data.map((e: { version: number }) => e.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const reconstruction = await tenantA("GET", `/api/v1/settlements/${id}/reconstruction`);
    expect(reconstruction.body).toMatchObject({ matches: true, differing_fields: [], event_count: 10 });
    expect(reconstruction.body.reconstructed).toEqual(reconstruction.body.stored);
  });

  test("a transition the state machine forbids answers 409 and records nothing", async () => {
    const { id } = await createSettlement(tenantA);
    const before = await countEvents(database.db);
    const response = await tenantA("POST", `/api/v1/settlements/${id}/settle`, { gas_actual: "1" });
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe("invalid_transition");
    expect(await countEvents(database.db)).toBe(before);
    expect((await tenantA("GET", `/api/v1/settlements/${id}`)).body).toMatchObject({ status: "pending", version: 1 });
  });

  test("a failed settlement is final", async () => {
    const { id } = await createSettlement(tenantA);
    expect((await tenantA("POST", `/api/v1/settlements/${id}/fail`, { error: "rpc down" })).body).toMatchObject({ status: "failed", error: "rpc down" });
    expect((await tenantA("POST", `/api/v1/settlements/${id}/fail`, { error: "again" })).status).toBe(409);
  });

  test("the same Idempotency-Key returns the same settlement and writes no new event", async () => {
    const headers = { "Idempotency-Key": "order-42" };
    const first = await tenantA("POST", "/api/v1/settlements", { amount: "5.00", currency: "EUR" }, headers);
    const events = await countEvents(database.db);
    const again = await tenantA("POST", "/api/v1/settlements", { amount: "5.00", currency: "EUR" }, headers);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await countEvents(database.db)).toBe(events);
    const different = await tenantA("POST", "/api/v1/settlements", { amount: "6.00", currency: "EUR" }, headers);
    expect(different.status).toBe(409);
    expect(different.body.error.code).toBe("idempotency_key_reused");
    // Another tenant's identical key is its own.
    const other = await tenantB("POST", "/api/v1/settlements", { amount: "5.00", currency: "EUR" }, headers);
    expect(other.body.id).not.toBe(first.body.id);
  });

  test("concurrent requests with one Idempotency-Key make one settlement", async () => {
    const headers = { "Idempotency-Key": "burst-1" };
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => tenantA("POST", "/api/v1/settlements", { amount: "1.00", currency: "USD" }, headers)),
    );
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    const events = await tenantA("GET", `/api/v1/settlements/${responses[0]!.body.id}/events`);
    expect(events.body.data).toHaveLength(1);
  });

  test("a tenant never sees nor changes another tenant's settlements", async () => {
    const { id } = await createSettlement(tenantA);
    for (const [method, path, body] of [
      ["GET", `/api/v1/settlements/${id}`],
      ["GET", `/api/v1/settlements/${id}/events`],
      ["GET", `/api/v1/settlements/${id}/reconstruction`],
      ["POST", `/api/v1/settlements/${id}/fail`, { error: "not yours" }],
    ] as [string, string, unknown?][]) {
      expect((await tenantB(method, path, body)).status, `${method} ${path}`).toBe(404);
    }
    const listing = await tenantB("GET", "/api/v1/settlements?limit=100");
    expect(listing.body.data.map((s: { id: string }) => s.id)).not.toContain(id);
    expect((await tenantA("GET", `/api/v1/settlements/${id}`)).body.status).toBe("pending");
  });

  test("lists newest first with a cursor and a status filter", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await createSettlement(tenantB, { amount: `${i}.00` })).id);
    await tenantB("POST", `/api/v1/settlements/${ids[1]}/fail`, { error: "x" });
    const first = await tenantB("GET", "/api/v1/settlements?limit=2&status=pending");
    expect(first.body.data.map((s: { id: string }) => s.id)).toEqual([ids[2], ids[0]]);
    const page1 = await tenantB("GET", "/api/v1/settlements?limit=1");
    const page2 = await tenantB("GET", `/api/v1/settlements?limit=1&cursor=${page1.body.next_cursor}`);
    expect(page1.body.data[0].id).toBe(ids[2]);
    expect(page2.body.data[0].id).toBe(ids[1]);
  });

  test("every /api/v1 route but the OpenAPI document needs the API key", async () => {
    expect((await anonymous("GET", "/api/v1/openapi.json")).status).toBe(200);
    for (const path of ["/api/v1/settlements", "/api/v1/payments/pay_01JQXR5V0000000000000000", "/api/v1/events/stats", "/api/v1/events/stream"]) {
      const response = await anonymous("GET", path);
      expect(response.status, path).toBe(401);
      expect(response.body.error.code).toBe("unauthorized");
    }
    const wrongKey = await anonymous("GET", "/api/v1/settlements", undefined, { Authorization: "Bearer nope-nope-nope" });
    expect(wrongKey.status).toBe(401);
  });
});
