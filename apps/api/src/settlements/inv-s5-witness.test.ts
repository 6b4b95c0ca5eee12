import { useTestDatabase } from "@org/test-harness";
import fc from "fast-check";
import { beforeAll, describe, expect, test } from "vitest";
import { buildTestApp, type TestClient } from "../test-support/test-app.js";

/**
 * The witness of INV-S5, event completeness (docs/DESIGN.md): after random sequences of valid and invalid commands,
 * every settlement rebuilt from its events alone equals its stored row, and
 * it has exactly as many events as the transitions made, counted by a model
 * written independently of the state machine.
 */
const database = useTestDatabase();
let tenantA: TestClient;

beforeAll(async () => {
  ({ tenantA } = await buildTestApp(database.db));
});

interface Model {
  status: string;
  confirmations: number;
  required: number;
  events: number;
}

type Step = { target: number; path: string; body: Record<string, unknown> };

const stepArbitrary: fc.Arbitrary<Step> = fc.record({
  target: fc.nat({ max: 2 }),
  command: fc.oneof(
    fc.constant({ path: "select-network", body: { network: "polygon", score: 0.5, reasoning: "r" } }),
    fc.constant({ path: "estimate-gas", body: { gas_estimate: "0.01" } }),
    fc.constant({ path: "submit", body: { tx_hash: "0xabc" } }),
    fc.nat({ max: 5 }).map((n) => ({ path: "confirmations", body: { confirmations: n } })),
    fc.constant({ path: "settle", body: { gas_actual: "0.02" } }),
    fc.constant({ path: "fail", body: { error: "boom" } }),
    fc.constant({ path: "confirmations", body: { confirmations: -1 } }),
    fc.constant({ path: "submit", body: { tx_hash: "0xabc", extra: true } }),
  ),
}).map(({ target, command }) => ({ target, ...command }));

/** The events a command adds according to the model, null when the lifecycle forbids it, "invalid" for a bad body. */
function modelStep(m: Model, step: Step): number | null | "invalid" {
  if ((step.body.confirmations as number) < 0 || "extra" in step.body) return "invalid";
  if (m.status === "settled" || m.status === "failed") return null;
  switch (step.path) {
    case "select-network":
    case "estimate-gas":
      return m.status === "pending" ? 1 : null;
    case "submit":
      if (m.status !== "pending") return null;
      m.status = "submitted";
      return 1;
    case "confirmations": {
      const n = step.body.confirmations as number;
      if ((m.status !== "submitted" && m.status !== "confirming") || n < m.confirmations) return null;
      const events = (m.status === "submitted" ? 1 : 0) + 1 + (n >= m.required ? 1 : 0);
      m.status = n >= m.required ? "confirmed" : "confirming";
      m.confirmations = n;
      return events;
    }
    case "settle":
      if (m.status !== "confirmed") return null;
      m.status = "settled";
      return 2;
    default:
      m.status = "failed";
      return 2;
  }
}

async function expectReconstructionMatches(id: string, expectedEvents?: number) {
  const { body } = await tenantA("GET", `/api/v1/settlements/${id}/reconstruction`);
  expect(body.differing_fields).toEqual([]);
  expect(body.matches).toBe(true);
  expect(body.stored.version).toBe(body.event_count);
  if (expectedEvents !== undefined) expect(body.event_count).toBe(expectedEvents);
}

describe("INV-S5: every state change is recorded with its events", () => {
  test("random command sequences: reconstruction equals the stored row, event count equals transitions made", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }), fc.array(stepArbitrary, { maxLength: 15 }), async (requireds, steps) => {
        const settlements: { id: string; model: Model }[] = [];
        for (const required of requireds) {
          const { body } = await tenantA("POST", "/api/v1/settlements", { amount: "10.00", currency: "USD", required_confirmations: required });
          settlements.push({ id: body.id, model: { status: "pending", confirmations: 0, required, events: 1 } });
        }
        for (const step of steps) {
          const target = settlements[step.target % settlements.length]!;
          const added = modelStep(target.model, step);
          const response = await tenantA("POST", `/api/v1/settlements/${target.id}/${step.path}`, step.body);
          expect(response.status, `${step.path} ${JSON.stringify(step.body)}`).toBe(added === "invalid" ? 422 : added === null ? 409 : 200);
          if (typeof added === "number") {
            target.model.events += added;
            expect(response.body.status).toBe(target.model.status);
          }
        }
        for (const { id, model } of settlements) await expectReconstructionMatches(id, model.events);
      }),
      { numRuns: 60 },
    );
  });

  test("concurrent commands on one settlement serialize: no lost or forked change", async () => {
    const { body } = await tenantA("POST", "/api/v1/settlements", { amount: "1.00", currency: "USD", required_confirmations: 20 });
    await tenantA("POST", `/api/v1/settlements/${body.id}/submit`, { tx_hash: "0x1" });
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => tenantA("POST", `/api/v1/settlements/${body.id}/confirmations`, { confirmations: i + 1 })),
    );
    for (const response of responses) expect([200, 409]).toContain(response.status);
    await expectReconstructionMatches(body.id);
  });
});
