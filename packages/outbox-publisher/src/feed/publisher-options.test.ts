import { Kysely } from "kysely";
import { describe, expect, test } from "vitest";
import { createEventPublisher } from "./ordered-feed.js";
import { resolveEventPublisherOptions } from "./publisher-options.js";

const db = {} as Kysely<any>; // never queried: construction fails first

describe("resolveEventPublisherOptions", () => {
  test("merges the documented defaults once; an undefined option takes its default", () => {
    const resolved = resolveEventPublisherOptions({ batchSize: undefined });
    expect(resolved).toMatchObject({ pollIntervalMs: 500, batchSize: 100, markDelayMs: 5, minReadIntervalMs: 0 });
    expect(resolved.tables).toMatchObject({ events: "domain_events", deliveries: "domain_events_deliveries" });
    // the feed holds a failing head by default: no limit on attempts
    expect(resolved.policy).toMatchObject({ initialDelayMs: 1000, maxDelayMs: 60_000, maxAttempts: Infinity });
    expect(resolveEventPublisherOptions({ retry: { maxAttempts: 3 } }).policy.maxAttempts).toBe(3);
    // no election given: createEventPublisher elects by default on the caller's database
    expect(resolved.leader).toBeUndefined();
    expect(resolved.log).toBe(console.warn);
  });

  test("out-of-range or contradictory options throw invalid_options, from the factory too", () => {
    const invalid = expect.objectContaining({ name: "OutboxError", code: "invalid_options" });
    expect(() => resolveEventPublisherOptions({ batchSize: 0 })).toThrow(invalid);
    expect(() => resolveEventPublisherOptions({ pollIntervalMs: 10, minReadIntervalMs: 50 })).toThrow(/minReadIntervalMs must not exceed pollIntervalMs/);
    expect(() => resolveEventPublisherOptions({ leader: {} as never })).toThrow(/leader/);
    expect(() => resolveEventPublisherOptions({ log: "loud" as never })).toThrow(/log/);
    expect(() => resolveEventPublisherOptions({ retry: { initialDelayMs: 5000, maxDelayMs: 1000 } })).toThrow(invalid);
    expect(() => createEventPublisher(db, { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => createEventPublisher(db, { tableName: "Robert'); drop table students;--" })).toThrow(invalid);
  });
});
