import { useTestDatabase } from "@org/test-harness";
import { beforeAll, describe, expect, test } from "vitest";
import { buildTestApp, type TestClient } from "../test-support/test-app.js";

const database = useTestDatabase();
let tenantA: TestClient;
let tenantB: TestClient;

beforeAll(async () => {
  ({ tenantA, tenantB } = await buildTestApp(database.db));
});

async function eventTypes(paymentId: string): Promise<string[]> {
  const rows = await database.db.selectFrom("domain_events").select("event_type").where("aggregate_id", "=", paymentId).orderBy("aggregate_version").execute();
  return rows.map((row) => row.event_type);
}

describe("payment routes", () => {
  test("a payment is captured and refunded in parts, with its payment.* events", async () => {
    const created = await tenantA("POST", "/api/v1/payments", { amount: "100.00", currency: "USD" });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await tenantA("POST", `/api/v1/payments/${id}/status`, { status: "authorized" })).body.status).toBe("authorized");
    expect((await tenantA("POST", `/api/v1/payments/${id}/status`, { status: "captured" })).body.status).toBe("captured");
    expect((await tenantA("POST", `/api/v1/payments/${id}/refund`, { amount: "30.50" })).body).toMatchObject({ status: "captured", refunded_amount: "30.50" });
    const over = await tenantA("POST", `/api/v1/payments/${id}/refund`, { amount: "70" });
    expect(over.status).toBe(422);
    expect(over.body.error.field).toBe("amount");
    expect((await tenantA("POST", `/api/v1/payments/${id}/refund`, { amount: "69.5" })).body).toMatchObject({ status: "refunded", refunded_amount: "100.00" });
    expect(await eventTypes(id)).toEqual([
      "payment.created",
      "payment.status_changed",
      "payment.status_changed",
      "payment.refunded",
      "payment.refunded",
      "payment.status_changed",
    ]);
  });

  test("a forbidden status change answers 409; another tenant's payment answers 404", async () => {
    const id = (await tenantA("POST", "/api/v1/payments", { amount: "5", currency: "EUR" })).body.id as string;
    const response = await tenantA("POST", `/api/v1/payments/${id}/status`, { status: "captured" });
    expect(response.status).toBe(409);
    expect((await tenantA("POST", `/api/v1/payments/${id}/refund`, { amount: "1" })).status).toBe(409);
    expect((await tenantB("GET", `/api/v1/payments/${id}`)).status).toBe(404);
    expect((await tenantB("POST", `/api/v1/payments/${id}/status`, { status: "failed" })).status).toBe(404);
    expect(await eventTypes(id)).toEqual(["payment.created"]);
  });

  test("a settlement can reference the tenant's own payment only", async () => {
    const paymentId = (await tenantA("POST", "/api/v1/payments", { amount: "5", currency: "EUR" })).body.id as string;
    const own = await tenantA("POST", "/api/v1/settlements", { amount: "5", currency: "EUR", payment_id: paymentId });
    expect(own.body.payment_id).toBe(paymentId);
    const foreign = await tenantB("POST", "/api/v1/settlements", { amount: "5", currency: "EUR", payment_id: paymentId });
    expect(foreign.status).toBe(422);
  });
});
