import { expect, test } from "vitest";
import { resolveAdvisoryLockLeaderOptions } from "./advisory-lock-leader.js";

test("resolveAdvisoryLockLeaderOptions merges the defaults once and refuses bad values", () => {
  expect(resolveAdvisoryLockLeaderOptions({ connectionString: "postgres://x/db", lockName: undefined as never })).toEqual({
    connectionString: "postgres://x/db",
    lockName: "outbox-publisher:domain_events",
    retryIntervalMs: 1_000,
    healthCheckIntervalMs: 1_000,
    healthCheckTimeoutMs: 3_000,
    sessionTimeoutMs: 10_000,
  });
  const invalid = expect.objectContaining({ name: "OutboxError", code: "invalid_options" });
  expect(() => resolveAdvisoryLockLeaderOptions({} as never)).toThrow(invalid);
  expect(() => resolveAdvisoryLockLeaderOptions({ connectionString: "postgres://x/db", lockName: "" })).toThrow(invalid);
  expect(() => resolveAdvisoryLockLeaderOptions({ connectionString: "postgres://x/db", retryIntervalMs: 0 })).toThrow(invalid);
  // a silent leader must stop relaying before the server frees its lock
  expect(() => resolveAdvisoryLockLeaderOptions({ connectionString: "postgres://x/db", sessionTimeoutMs: 5_000 })).toThrow(invalid);
});
