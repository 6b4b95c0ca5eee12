import { EVENT_TYPES, INVALID_PATTERNS, MATCHING_CASES } from "@org/test-harness";
import { describe, expect, test } from "vitest";
import type { DomainEvent } from "../envelope.js";
import { ValidationError } from "../errors.js";
import { InMemoryEventBus } from "./in-memory-event-bus.js";

const event = (eventType: string, id = `evt_${eventType}`): DomainEvent => ({
  id,
  tenantId: "default",
  aggregateType: "settlement",
  aggregateId: "stl_1",
  aggregateVersion: 1,
  eventType,
  schemaVersion: 1,
  payload: {},
  metadata: {},
  position: 1,
  transactionId: "1",
  createdAt: new Date(0),
  publishedAt: null,
});

describe("InMemoryEventBus", () => {
  test("delivers to exact, wildcard and catch-all subscribers only", async () => {
    const bus = new InMemoryEventBus();
    const seen: string[] = [];
    bus.subscribe("settlement.created", (e) => void seen.push(`exact:${e.eventType}`));
    bus.subscribe("settlement.*", (e) => void seen.push(`prefix:${e.eventType}`));
    bus.subscribe("*", (e) => void seen.push(`all:${e.eventType}`));
    await bus.publish(event("settlement.created"));
    await bus.publish(event("payment.created"));
    await bus.publish(event("settlementx.created"));
    expect(seen.sort()).toEqual(
      ["exact:settlement.created", "prefix:settlement.created", "all:settlement.created", "all:payment.created", "all:settlementx.created"].sort(),
    );
  });

  test("unsubscribe stops delivery and forgets the handler", async () => {
    const bus = new InMemoryEventBus();
    let calls = 0;
    const unsubscribe = bus.subscribe("payment.*", () => void calls++);
    await bus.publish(event("payment.created"));
    unsubscribe();
    unsubscribe();
    await bus.publish(event("payment.created"));
    expect(calls).toBe(1);
    expect(bus.subscriberCount).toBe(0);
  });

  test("publish waits for async handlers, runs all of them, and reports failures together", async () => {
    const bus = new InMemoryEventBus();
    const finished: string[] = [];
    bus.subscribe("*", async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      finished.push("slow");
    });
    bus.subscribe("*", () => {
      throw new Error("boom");
    });
    const publishing = bus.publish(event("payment.created"));
    await expect(publishing).rejects.toBeInstanceOf(AggregateError);
    await expect(publishing).rejects.toMatchObject({ errors: [expect.objectContaining({ message: "boom" })] });
    expect(finished).toEqual(["slow"]);
  });

  test("a malformed pattern is refused", () => {
    const bus = new InMemoryEventBus();
    expect(() => bus.subscribe("settlement.*.x", () => {})).toThrow(ValidationError);
    expect(() => bus.subscribe("", () => {})).toThrow(ValidationError);
  });
});

describe("InMemoryEventBus and the shared table of type pattern cases", () => {
  test.each(MATCHING_CASES)("a subscriber to $pattern receives exactly its types", async ({ pattern, matches }) => {
    const bus = new InMemoryEventBus();
    const seen: string[] = [];
    bus.subscribe(pattern, (e) => void seen.push(e.eventType));
    for (const type of EVENT_TYPES) await bus.publish(event(type));
    expect(seen).toEqual(matches);
  });

  test.each(INVALID_PATTERNS.map((pattern) => [pattern]))("refuses to subscribe to %j with a ValidationError", (pattern) => {
    const bus = new InMemoryEventBus();
    expect(() => bus.subscribe(pattern, () => {})).toThrow(ValidationError);
    expect(bus.subscriberCount).toBe(0);
  });
});
