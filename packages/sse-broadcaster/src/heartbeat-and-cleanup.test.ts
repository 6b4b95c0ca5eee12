import { afterEach, describe, expect, it } from "vitest";
import { createSSEBroadcaster } from "./broadcaster.js";
import type { BroadcastEvent } from "./filter/filter.js";
import { trackTimers } from "./test-support/track-timers.js";
import { connectRaw } from "./test-support/raw-client.js";
import { parseEventStream } from "./test-support/sse-parser.js";
import { startFixture, type Fixture } from "./test-support/sse-fixture.js";
import { waitUntil } from "./test-support/wait.js";

const HEARTBEAT_MS = 1_234;
const CLOSE_TIMEOUT_MS = 4_321;

describe("heartbeat, retry hint and cleanup", () => {
  let fixture: Fixture<BroadcastEvent> | undefined;
  let timers: ReturnType<typeof trackTimers> | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
    timers?.restore();
    timers = undefined;
  });

  it("sends a randomised retry hint on connect, then heartbeat comments", async () => {
    fixture = await startFixture({ heartbeatIntervalMs: 20, retryMs: 1_000, retryJitter: 0.2 });
    const client = connectRaw(fixture.server.port);
    await waitUntil(() => parseEventStream(client.text()).comments.length >= 2, "two heartbeats");
    client.destroy();
    const stream = parseEventStream(client.text());
    expect(stream.retry).toBeGreaterThanOrEqual(800);
    expect(stream.retry).toBeLessThanOrEqual(1_200);
    expect(stream.comments.slice(0, 2)).toEqual(["heartbeat", "heartbeat"]);
    expect(stream.events).toEqual([]);
    expect(client.raw()).toMatch(/content-type: text\/event-stream; charset=utf-8\r\n/i);
    expect(client.raw()).toMatch(/cache-control: no-cache, no-transform\r\n/i);
    expect(client.raw()).toMatch(/x-accel-buffering: no\r\n/i);
  });

  it("removes clients that disconnect and stops its timer when the last one leaves", async () => {
    timers = trackTimers([HEARTBEAT_MS, CLOSE_TIMEOUT_MS]);
    fixture = await startFixture({ heartbeatIntervalMs: HEARTBEAT_MS }, () => ({ closeTimeoutMs: CLOSE_TIMEOUT_MS }));
    const clients = [await fixture.connect(), await fixture.connect(), await fixture.connect()];
    expect(fixture.broadcaster.getClientCount()).toBe(3);
    expect(timers.pending()).toBe(1); // one heartbeat timer for all clients
    for (const { source } of clients) source.close();
    await waitUntil(() => fixture?.broadcaster.getClientCount() === 0, "every client removed");
    await waitUntil(() => timers?.pending() === 0, "every timer cleared");
    expect(fixture.broadcaster.getStats().clientsByFilter).toEqual({});
  });

  it("ends every stream on close, with a final comment, and leaves no timer behind", async () => {
    timers = trackTimers([HEARTBEAT_MS, CLOSE_TIMEOUT_MS]);
    fixture = await startFixture({ heartbeatIntervalMs: HEARTBEAT_MS }, () => ({ closeTimeoutMs: CLOSE_TIMEOUT_MS }));
    const raw = [connectRaw(fixture.server.port), connectRaw(fixture.server.port)];
    await waitUntil(() => fixture?.broadcaster.getClientCount() === 2, "two clients");
    const closing = fixture.broadcaster.close({ comment: "server restarting" });
    expect(fixture.broadcaster.close()).toBe(closing); // idempotent
    await closing;
    expect(fixture.broadcaster.getClientCount()).toBe(0);
    for (const client of raw) {
      await client.responseEnded();
      client.destroy();
      expect(parseEventStream(client.text()).comments).toEqual(["server restarting"]);
    }
    // close() resolved only once every stream ended: heartbeat and close timers are all gone.
    expect(timers.pending()).toBe(0);
    expect(() => fixture?.broadcaster.addClient("late", { write() {}, close() {} })).toThrow(
      expect.objectContaining({ code: "closed" }),
    );
  });
});

describe("clients, filters, heartbeats and cleanup on a WHATWG WritableStream", () => {
  it("writes frames to the stream, ends it on removeClient, and drops the client when the reader cancels", async () => {
    const broadcaster = createSSEBroadcaster();
    const decoder = new TextDecoder();
    const first = new TransformStream<Uint8Array, Uint8Array>();
    broadcaster.addClient("a", first.writable);
    broadcaster.broadcast({ id: "e1", eventType: "x", payload: { a: 1 } });
    expect(broadcaster.removeClient("a")).toBe(true);
    expect(broadcaster.removeClient("a")).toBe(false);
    let text = "";
    for await (const chunk of first.readable) text += decoder.decode(chunk, { stream: true });
    expect(parseEventStream(text).events).toEqual([{ type: "x", data: '{"a":1}', lastEventId: "e1" }]);

    const second = new TransformStream<Uint8Array, Uint8Array>();
    broadcaster.addClient("b", second.writable);
    await second.readable.cancel();
    await waitUntil(() => broadcaster.getClientCount() === 0, "the cancelled client removed");
    expect(broadcaster.getStats().transportFailures).toBe(1);
    await broadcaster.close();
  });
});
