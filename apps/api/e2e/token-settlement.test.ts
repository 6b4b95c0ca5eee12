import { useTestDatabase } from "@org/test-harness";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { httpClient } from "./support/http.js";
import { spawnServer, type ServerProcess } from "./support/spawn-server.js";

/** A settlement on a chain network, in a token, over real HTTP against the real server. */
const database = useTestDatabase();
const KEY = "token-key-0123456789abc";
let server: ServerProcess;

beforeAll(async () => {
  server = await spawnServer({ DATABASE_URL: database.url, API_KEYS: `acme:${KEY}` });
});

afterAll(async () => {
  expect(await server?.stop()).toBe(0);
});

describe("settlements in tokens", { timeout: 120_000 }, () => {
  test("a USDC settlement on polygon goes through its whole lifecycle, and its events carry USDC", async () => {
    const api = httpClient(server.url, KEY);
    const created = await api("POST", "/api/v1/settlements", { amount: "2500.000001", currency: "USDC", network: "polygon", required_confirmations: 2 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: "pending", amount: "2500.000001", currency: "USDC", network: "polygon" });
    const id = created.body.id as string;

    const steps: [string, unknown, string][] = [
      ["estimate-gas", { gas_estimate: "0.0021" }, "pending"],
      ["submit", { tx_hash: "0xabc123" }, "submitted"],
      ["confirmations", { confirmations: 1 }, "confirming"],
      ["confirmations", { confirmations: 2 }, "confirmed"],
      ["settle", { gas_actual: "0.0019" }, "settled"],
    ];
    for (const [command, body, status] of steps) {
      const response = await api("POST", `/api/v1/settlements/${id}/${command}`, body);
      expect(response.status, command).toBe(200);
      expect(response.body).toMatchObject({ status, currency: "USDC" });
    }

    expect((await api("GET", `/api/v1/settlements/${id}`)).body).toMatchObject({ status: "settled", currency: "USDC", amount: "2500.000001" });
    const events = (await api("GET", `/api/v1/settlements/${id}/events`)).body.data as { type: string; data: Record<string, unknown> }[];
    expect(events[0]).toMatchObject({ type: "settlement.created", data: expect.objectContaining({ currency: "USDC" }) });
    expect(events.at(-1)!.type).toBe("settlement.settled");
    const reconstruction = (await api("GET", `/api/v1/settlements/${id}/reconstruction`)).body;
    expect(reconstruction).toMatchObject({ matches: true, differing_fields: [] });
    expect(reconstruction.reconstructed).toMatchObject({ currency: "USDC", status: "settled" });
  });

  test("other token symbols and ISO codes are taken; what is neither is refused with the field named", async () => {
    const api = httpClient(server.url, KEY);
    for (const currency of ["USDT", "DAI", "WETH", "USD", "EUR"]) {
      const response = await api("POST", "/api/v1/settlements", { amount: "1.00", currency, network: "polygon" });
      expect(response.status, currency).toBe(201);
      expect(response.body.currency).toBe(currency);
    }
    const refused = await api("POST", "/api/v1/settlements", { amount: "1.00", currency: "usd coin" });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: "validation_failed", field: "currency" });

    // The OpenAPI document says what is accepted, for settlements and payments alike.
    const openapi = (await api("GET", "/api/v1/openapi.json")).body;
    for (const path of ["/api/v1/settlements", "/api/v1/payments"]) {
      const currency = openapi.paths[path].post.requestBody.content["application/json"].schema.properties.currency;
      expect(currency.description, path).toMatch(/ISO 4217 code.*token symbol such as "USDC", "USDT", "DAI", "WETH"/);
    }
  });
});
