import { reconstruct, type DomainEvent } from "@org/events";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { AppError } from "../errors.js";
import { settlementProjection } from "./projection.js";
import type { Settlement, SettlementCommand, SettlementEvent, SettlementStatus } from "./settlement.js";
import { creationEvents, decide } from "./state-machine.js";

const EPOCH = new Date("2026-01-01T00:00:00Z");
const ALLOWED_MOVES = new Set([
  "pending>submitted",
  "submitted>confirming",
  "confirming>confirmed",
  "confirmed>settled",
  ...["pending", "submitted", "confirming", "confirmed"].map((from) => `${from}>failed`),
]);

function newSettlement(requiredConfirmations = 3): { settlement: Settlement; events: SettlementEvent[] } {
  const id = "stl_01JQXR5V0000000000000000";
  const input = { amount: "10.00", currency: "USD", network: null, paymentId: null, requiredConfirmations };
  const settlement: Settlement = {
    id, tenantId: "t1", status: "pending", ...input, confirmations: 0, score: null, reasoning: null,
    gasEstimate: null, gasActual: null, txHash: null, error: null, version: 1, createdAt: EPOCH, updatedAt: EPOCH,
  };
  return { settlement, events: creationEvents(id, input) };
}

/** Envelopes around decided events, as the store would return them. */
function envelopes(events: SettlementEvent[]): DomainEvent[] {
  return events.map((event, index) => ({
    ...event,
    id: `evt_${index}`,
    tenantId: "t1",
    aggregateType: "settlement",
    aggregateId: "stl_01JQXR5V0000000000000000",
    aggregateVersion: index + 1,
    schemaVersion: 1,
    metadata: {},
    position: index + 1,
    transactionId: "1",
    createdAt: EPOCH,
    publishedAt: null,
  }));
}

const commandArbitrary: fc.Arbitrary<SettlementCommand> = fc.oneof(
  fc.record({ type: fc.constant("select_network" as const), network: fc.constantFrom("polygon", "base"), score: fc.double({ min: 0, max: 1, noNaN: true }), reasoning: fc.string() }),
  fc.record({ type: fc.constant("estimate_gas" as const), gasEstimate: fc.constantFrom("0.001", "21000") }),
  fc.record({ type: fc.constant("submit" as const), txHash: fc.constantFrom("0xabc", "0xdef") }),
  fc.record({ type: fc.constant("record_confirmations" as const), confirmations: fc.nat({ max: 6 }) }),
  fc.record({ type: fc.constant("settle" as const), gasActual: fc.constant("0.002") }),
  fc.record({ type: fc.constant("fail" as const), error: fc.constant("rpc timeout") }),
);

describe("settlement state machine", () => {
  test("walks the happy path with a status_changed event for every status change", () => {
    let { settlement } = newSettlement(2);
    const statuses: SettlementStatus[] = [];
    for (const command of [
      { type: "select_network", network: "polygon", score: 0.9, reasoning: "cheapest" },
      { type: "submit", txHash: "0xabc" },
      { type: "record_confirmations", confirmations: 1 },
      { type: "record_confirmations", confirmations: 2 },
      { type: "settle", gasActual: "0.002" },
    ] as SettlementCommand[]) {
      const decision = decide(settlement, command);
      settlement = decision.next;
      statuses.push(settlement.status);
    }
    expect(statuses).toEqual(["pending", "submitted", "confirming", "confirmed", "settled"]);
    expect(settlement).toMatchObject({ network: "polygon", txHash: "0xabc", confirmations: 2, gasActual: "0.002", version: 9 });
  });

  test("reaching the required confirmations at once moves through confirming to confirmed", () => {
    const { settlement } = newSettlement(3);
    const submitted = decide(settlement, { type: "submit", txHash: "0x1" }).next;
    const { next, events } = decide(submitted, { type: "record_confirmations", confirmations: 5 });
    expect(events.map((e) => e.eventType)).toEqual(["settlement.status_changed", "settlement.confirmation_progress", "settlement.status_changed"]);
    expect(next.status).toBe("confirmed");
  });

  test.each([
    ["settle a pending settlement", { type: "settle", gasActual: "1" }],
    ["count confirmations before submission", { type: "record_confirmations", confirmations: 1 }],
  ] as [string, SettlementCommand][])("refuses to %s", (_name, command) => {
    expect(() => decide(newSettlement().settlement, command)).toThrow(AppError);
  });

  test("random command sequences never reach an invalid state, and the events rebuild the state", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(commandArbitrary, { maxLength: 25 }), (required, commands) => {
        let { settlement, events } = newSettlement(required);
        for (const command of commands) {
          let decision;
          try {
            decision = decide(settlement, command);
          } catch (error) {
            expect(error).toBeInstanceOf(AppError);
            expect((error as AppError).code).toBe("invalid_transition");
            continue;
          }
          let status = settlement.status;
          for (const event of decision.events) {
            if (event.eventType !== "settlement.status_changed") continue;
            expect(event.payload.fromStatus).toBe(status);
            expect(ALLOWED_MOVES.has(`${status}>${event.payload.toStatus}`)).toBe(true);
            status = event.payload.toStatus;
          }
          expect(decision.next.status).toBe(status);
          expect(decision.next.version).toBe(settlement.version + decision.events.length);
          settlement = decision.next;
          events = [...events, ...decision.events];
          // Confirmed exactly when enough confirmations came in (unless it failed first).
          if (settlement.status === "confirming") expect(settlement.confirmations).toBeLessThan(required);
          if (settlement.status === "confirmed" || settlement.status === "settled") expect(settlement.confirmations).toBeGreaterThanOrEqual(required);
        }
        expect(reconstruct(envelopes(events), settlementProjection).state).toEqual(settlement);
      }),
      { numRuns: 500 },
    );
  });
});
