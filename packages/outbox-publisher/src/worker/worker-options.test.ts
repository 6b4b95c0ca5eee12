import { Kysely } from "kysely";
import { describe, expect, test } from "vitest";
import { createEventWorker } from "./event-worker.js";
import { resolveEventWorkerOptions } from "./worker-options.js";

const db = {} as Kysely<any>; // never queried: construction fails first
const handler = () => {};

describe("resolveEventWorkerOptions", () => {
  test("merges the documented defaults once; an undefined option takes its default", () => {
    const resolved = resolveEventWorkerOptions({ group: "mail", handler, batchSize: undefined });
    expect(resolved).toMatchObject({ concurrency: 10, batchSize: 100, fillBatchSize: 1000, leaseMs: 30_000, leaseRenewalIntervalMs: 10_000, pollIntervalMs: 500, startFrom: "beginning" });
    expect(resolved.workerId).toMatch(/^.+:\d+:[0-9a-f]{8}$/);
    expect(resolved.tables.groups).toBe("domain_events_groups");
  });

  test("out-of-range or contradictory options throw invalid_options, from the factory too", () => {
    expect(() => resolveEventWorkerOptions({ group: "$feed", handler })).toThrow(/group/);
    expect(() => resolveEventWorkerOptions({ group: "mail", handler: "nope" as never })).toThrow(/handler/);
    expect(() => resolveEventWorkerOptions({ group: "mail", handler, leaseMs: 10 })).toThrow(/leaseMs/);
    expect(() => resolveEventWorkerOptions({ group: "mail", handler, leaseMs: 300, leaseRenewalIntervalMs: 300 })).toThrow(
      expect.objectContaining({ code: "invalid_options", message: expect.stringMatching(/leaseRenewalIntervalMs must be less than leaseMs/) }),
    );
    expect(() => resolveEventWorkerOptions({ group: "mail", handler, leaseMs: 300, leaseRenewalIntervalMs: 1000 })).toThrow(/leaseRenewalIntervalMs/);
    expect(() => resolveEventWorkerOptions({ group: "mail", handler, leaseRenewalIntervalMs: 0.5 })).toThrow(/leaseRenewalIntervalMs/);
    expect(() => resolveEventWorkerOptions({ group: "mail", handler, startFrom: "middle" as never })).toThrow(/startFrom/);
    expect(resolveEventWorkerOptions({ group: "mail", handler, leaseMs: 300, leaseRenewalIntervalMs: 299 }).leaseRenewalIntervalMs).toBe(299);
    expect(() => createEventWorker(db, { group: "mail", handler, leaseMs: 10 })).toThrow(expect.objectContaining({ name: "OutboxError", code: "invalid_options" }));
  });
});
