import { expect, test } from "vitest";
import { resolvePgListenerOptions } from "./pg-listener.js";

test("resolvePgListenerOptions merges the defaults once and refuses bad values", () => {
  expect(resolvePgListenerOptions({ connectionString: "postgres://x/db", channel: undefined })).toEqual({
    connectionString: "postgres://x/db",
    channel: "outbox_events",
    healthCheckIntervalMs: 5_000,
    healthCheckTimeoutMs: 2_000,
    reconnectDelayMs: 100,
    applicationName: "outbox-listener",
  });
  const invalid = expect.objectContaining({ name: "OutboxError", code: "invalid_options" });
  expect(() => resolvePgListenerOptions({} as never)).toThrow(invalid);
  expect(() => resolvePgListenerOptions({ connectionString: "postgres://x/db", channel: "Bad channel" })).toThrow(invalid);
  expect(() => resolvePgListenerOptions({ connectionString: "postgres://x/db", healthCheckIntervalMs: 1 })).toThrow(invalid);
});
