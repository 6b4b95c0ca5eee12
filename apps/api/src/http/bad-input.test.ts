import { useTestDatabase } from "@org/test-harness";
import { beforeAll, describe, expect, test } from "vitest";
import { buildTestApp, countEvents, type TestClient } from "../test-support/test-app.js";

const database = useTestDatabase();
let tenantA: TestClient;
let settlementId: string;

beforeAll(async () => {
  ({ tenantA } = await buildTestApp(database.db));
  settlementId = (await tenantA("POST", "/api/v1/settlements", { amount: "1.00", currency: "USD" })).body.id;
});

const json = { "Content-Type": "application/json" };

describe("bad input answers 4xx JSON naming the field, and writes nothing", () => {
  test.each([
    ["malformed JSON", "POST", "/api/v1/settlements", "{\"amount\": ", json, 400, "malformed_json", "body"],
    ["a body that is not JSON", "POST", "/api/v1/settlements", "amount=1", { "Content-Type": "text/plain" }, 415, "unsupported_media_type", "Content-Type"],
    ["a number for a decimal string", "POST", "/api/v1/settlements", { amount: 12.5, currency: "USD" }, json, 422, "validation_failed", "amount"],
    ["a negative amount", "POST", "/api/v1/settlements", { amount: "-1", currency: "USD" }, json, 422, "validation_failed", "amount"],
    ["a missing field", "POST", "/api/v1/settlements", { amount: "1.00" }, json, 422, "validation_failed", "currency"],
    ["an unknown field", "POST", "/api/v1/settlements", { amount: "1.00", currency: "USD", status: "settled" }, json, 422, "validation_failed", "status"],
    ["an array body", "POST", "/api/v1/settlements", [], json, 422, "validation_failed", "body"],
    ["a float confirmation count", "POST", "/api/v1/settlements/:id/confirmations", { confirmations: 1.5 }, json, 422, "validation_failed", "confirmations"],
    ["a string score", "POST", "/api/v1/settlements/:id/select-network", { network: "polygon", score: "high", reasoning: "" }, json, 422, "validation_failed", "score"],
    ["a payment that does not exist", "POST", "/api/v1/settlements", { amount: "1.00", currency: "USD", payment_id: "pay_01JQXR5V0000000000000000" }, json, 422, "validation_failed", "payment_id"],
    ["a bad settlement id", "POST", "/api/v1/settlements/42/submit", { tx_hash: "0x1" }, json, 400, "invalid_parameter", "id"],
    ["a bad payment id", "POST", "/api/v1/payments/stl_x/refund", { amount: "1" }, json, 400, "invalid_parameter", "id"],
    ["an unknown status filter", "GET", "/api/v1/settlements?status=lost", undefined, {}, 400, "invalid_parameter", "query.status"],
    ["a limit out of range", "GET", "/api/v1/settlements?limit=1000", undefined, {}, 400, "invalid_parameter", "query.limit"],
    ["a repeated limit", "GET", "/api/v1/settlements?limit=1&limit=2", undefined, {}, 400, "invalid_parameter", "query.limit"],
    ["a bad cursor", "GET", "/api/v1/settlements?cursor=abc", undefined, {}, 400, "invalid_parameter", "query.cursor"],
    ["an unknown query parameter", "GET", "/api/v1/settlements?sort=asc", undefined, {}, 400, "invalid_parameter", "query.sort"],
    ["a bad type pattern", "GET", "/api/v1/events/stream?types=settlement.%25", undefined, {}, 400, "invalid_parameter", "query.types.0"],
    ["a bad aggregate id filter", "GET", "/api/v1/events/stream?aggregate_id=x", undefined, {}, 400, "invalid_parameter", "query.aggregate_id.0"],
    ["a bad Idempotency-Key", "POST", "/api/v1/settlements", { amount: "1.00", currency: "USD" }, { ...json, "Idempotency-Key": "a b" }, 400, "invalid_parameter", "Idempotency-Key"],
  ] as const)("%s", async (_name, method, rawPath, body, headers, status, code, field) => {
    const before = await countEvents(database.db);
    const path = rawPath.replace(":id", settlementId);
    const response = await tenantA(method, path, typeof body === "string" ? body : body === undefined ? undefined : JSON.stringify(body), { ...headers });
    expect(response.status).toBe(status);
    expect(response.body.error).toMatchObject({ code, field });
    expect(response.body.error.message).toEqual(expect.any(String));
    expect(await countEvents(database.db)).toBe(before);
  });

  test("an oversized body answers 413", async () => {
    const before = await countEvents(database.db);
    const response = await tenantA("POST", "/api/v1/settlements", JSON.stringify({ amount: "1.00", currency: "USD", pad: "x".repeat(20_000) }));
    expect(response.status).toBe(413);
    expect(response.body.error).toMatchObject({ code: "payload_too_large", field: "body" });
    expect(await countEvents(database.db)).toBe(before);
  });

  test("an unknown route answers 404 JSON", async () => {
    const response = await tenantA("GET", "/api/v1/nothing-here");
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe("not_found");
  });
});
