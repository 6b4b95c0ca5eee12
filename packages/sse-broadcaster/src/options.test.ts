import { describe, expect, it } from "vitest";
import { createSSEBroadcaster } from "./broadcaster.js";

describe("createSSEBroadcaster options", () => {
  it.each([
    [{ maxClients: 10, maxClientsPerKey: 20 }, /maxClientsPerKey/],
    [{ maxQueueEvents: 0 }, /maxQueueEvents/],
    [{ maxQueueBytes: 1.5 }, /maxQueueBytes/],
    [{ heartbeatIntervalMs: -1 }, /heartbeatIntervalMs/],
    [{ retryJitter: 1 }, /retryJitter/],
    [{ retryMs: -5 }, /retryMs/],
    [{ resetEventName: "a\nb" }, /resetEventName/],
  ])("throws at construction for contradictory or invalid %j", (options, message) => {
    expect(() => createSSEBroadcaster(options)).toThrow(message);
  });

  it("accepts the defaults and explicit undefined values", async () => {
    const broadcaster = createSSEBroadcaster({ maxClients: undefined, serialize: undefined });
    expect(broadcaster.getClientCount()).toBe(0);
    await broadcaster.close();
  });
});
