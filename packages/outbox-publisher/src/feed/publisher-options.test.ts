import { Kysely } from "kysely";
import { describe, expect, test } from "vitest";
import { createEventPublisher } from "./ordered-feed.js";
import { resolveEventPublisherOptions } from "./publisher-options.js";

const db = {} as Kysely<any>; // never queried: construction fails first

describe("resolveEventPublisherOptions", () => {
  test("merges the documented defaults once; an undefined option takes its default", () => {
    const resolved = resolveEventPublisherOptions({ batchSize: undefined });
    expect(resolved).toMatchObject({ pollIntervalMs: 500, batchSize: 100, markDelayMs: 5, minReadIntervalMs: 5 });
    expect(resolved.tables).toMatchObject({ events: "domain_events", deliveries: "domain_events_deliveries" });
    expect(resolved.policy).toMatchObject({ initialDelayMs: 1000, maxAttempts: 5 });
    expect(typeof resolved.leader.acquire).toBe("function");
  });

  test("out-of-range or contradictory options throw invalid_options, from the factory too", () => {
    const invalid = expect.objectContaining({ name: "OutboxError", code: "invalid_options" });
    expect(() => resolveEventPublisherOptions({ batchSize: 0 })).toThrow(invalid);
    expect(() => resolveEventPublisherOptions({ pollIntervalMs: 10, minReadIntervalMs: 50 })).toThrow(/minReadIntervalMs must not exceed pollIntervalMs/);
    expect(() => resolveEventPublisherOptions({ leader: {} as never })).toThrow(/leader/);
    expect(() => resolveEventPublisherOptions({ retry: { initialDelayMs: 5000, maxDelayMs: 1000 } })).toThrow(invalid);
    expect(() => createEventPublisher(db, { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => createEventPublisher(db, { tableName: "Robert'); drop table students;--" })).toThrow(invalid);
  });
});
