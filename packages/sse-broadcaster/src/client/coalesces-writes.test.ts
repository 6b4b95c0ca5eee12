import { afterEach, describe, expect, it } from "vitest";
import { createSSEBroadcaster, type SSEBroadcaster } from "../broadcaster.js";
import type { BroadcastEvent } from "../filter/filter.js";
import { parseEventStream } from "../test-support/sse-parser.js";
import { startFixture, waitForCount, type Fixture } from "../test-support/sse-fixture.js";
import type { SSESink } from "./sink.js";

const decoder = new TextDecoder();
const nextTick = () => new Promise((resolve) => setImmediate(resolve));
const events = (from: number, to: number, eventType = "tick"): BroadcastEvent[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ id: `e${from + i}`, eventType, payload: { n: from + i } }));
const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `e${from + i}`);

/** A sink that records every chunk; `full` decides, per write, whether the transport says "wait". */
function recordingSink(full: (write: number) => Promise<void> | undefined = () => undefined) {
  const chunks: Uint8Array[] = [];
  let closed = false;
  const sink: SSESink = {
    write(chunk) {
      if (closed) throw new Error("closed");
      chunks.push(chunk);
      return full(chunks.length);
    },
    close() {
      closed = true;
    },
  };
  return { sink, chunks, text: () => chunks.map((chunk) => decoder.decode(chunk)).join(""), isClosed: () => closed };
}

describe("write coalescing", () => {
  let broadcaster: SSEBroadcaster | undefined;
  let fixture: Fixture<BroadcastEvent> | undefined;
  afterEach(async () => {
    await broadcaster?.close();
    broadcaster = undefined;
    await fixture?.close();
    fixture = undefined;
  });

  it("hands a tick's frames to the transport as one write, the same chunk for clients that got the same frames", async () => {
    broadcaster = createSSEBroadcaster();
    const a = recordingSink();
    const b = recordingSink();
    const onlyB = recordingSink();
    broadcaster.addClient("a", a.sink);
    broadcaster.addClient("b", b.sink);
    broadcaster.addClient("only-b", onlyB.sink, { filter: { types: ["b"] } });
    await nextTick();
    expect([a.chunks.length, b.chunks.length, onlyB.chunks.length]).toEqual([1, 1, 1]); // the retry hints

    broadcaster.broadcast({ id: "e1", eventType: "a" });
    broadcaster.broadcast({ id: "e2", eventType: "b" });
    expect(broadcaster.broadcastMany([{ id: "e3", eventType: "a" }, { id: "e4", eventType: "b" }, { id: "e5", eventType: "a" }])).toBe(7);
    expect(a.chunks.length).toBe(1); // queued until the end of the tick
    await nextTick();

    expect([a.chunks.length, b.chunks.length, onlyB.chunks.length]).toEqual([2, 2, 2]);
    expect(b.chunks[1]).toBe(a.chunks[1]); // one buffer for both
    expect(parseEventStream(a.text()).events.map((event) => event.lastEventId)).toEqual(["e1", "e2", "e3", "e4", "e5"]);
    expect(parseEventStream(onlyB.text()).events.map((event) => event.lastEventId)).toEqual(["e2", "e4"]);
    const bytes = [a, b, onlyB].reduce((sum, sink) => sum + sink.chunks.reduce((n, chunk) => n + chunk.byteLength, 0), 0);
    expect(broadcaster.getStats()).toMatchObject({ eventsBroadcast: 5, eventsSent: 12, bytesSent: bytes });
  });

  it("flushes rather than evicts a client whose transport has room, however large the batch", async () => {
    broadcaster = createSSEBroadcaster({ maxQueueEvents: 10, maxQueueBytes: 4096 });
    const sink = recordingSink();
    broadcaster.addClient("c", sink.sink);
    broadcaster.broadcastMany(events(1, 500));
    await nextTick();
    expect(parseEventStream(sink.text()).events.map((event) => event.lastEventId)).toEqual(ids(1, 500));
    // Bounded chunks: never more than the queue bound's worth at once.
    expect(Math.max(...sink.chunks.map((chunk) => parseEventStream(decoder.decode(chunk)).events.length))).toBeLessThanOrEqual(10);
    expect(broadcaster.getStats()).toMatchObject({ evictions: 0, clients: 1, eventsSent: 500 });
  });

  it("evicts, instead of growing, a client whose transport is full when a batch larger than the bound arrives", async () => {
    broadcaster = createSSEBroadcaster({ maxQueueEvents: 10 });
    const stalled = recordingSink(() => new Promise(() => {})); // takes the first chunk, then never drains
    const fast = recordingSink();
    broadcaster.addClient("stalled", stalled.sink);
    broadcaster.addClient("fast", fast.sink);
    await nextTick();
    broadcaster.broadcastMany(events(1, 50));
    expect(broadcaster.getStats()).toMatchObject({ evictions: 1, clients: 1 });
    expect(stalled.isClosed()).toBe(true);
    // Nothing of the batch reached the full transport; the last word says why (it resumes with Last-Event-ID).
    const stream = parseEventStream(stalled.text());
    expect(stream.events).toEqual([]);
    expect(stream.comments).toEqual([expect.stringMatching(/^evicted: slow consumer \(more than 10 events .*reconnect with Last-Event-ID$/)]);
    await nextTick();
    expect(parseEventStream(fast.text()).events.map((event) => event.lastEventId)).toEqual(ids(1, 50));
  });

  it("counts queued bytes toward the bound while the transport is full", async () => {
    broadcaster = createSSEBroadcaster({ maxQueueEvents: 1_000, maxQueueBytes: 2_048 });
    const stalled = recordingSink(() => new Promise(() => {}));
    broadcaster.addClient("stalled", stalled.sink);
    await nextTick();
    const payload = "x".repeat(500);
    broadcaster.broadcastMany(events(1, 3).map((event) => ({ ...event, payload })));
    expect(broadcaster.getStats().evictions).toBe(0);
    broadcaster.broadcast({ id: "e4", eventType: "tick", payload });
    broadcaster.broadcast({ id: "e5", eventType: "tick", payload });
    expect(broadcaster.getStats()).toMatchObject({ evictions: 1, clients: 0 });
  });

  it("keeps strict order when the transport is full on and off", async () => {
    broadcaster = createSSEBroadcaster({ maxQueueEvents: 10_000 });
    // Every third write fills the transport until the next tick.
    const sink = recordingSink((write) => (write % 3 === 0 ? nextTick().then(() => undefined) : undefined));
    broadcaster.addClient("c", sink.sink);
    let sent = 0;
    for (let round = 0; round < 40; round += 1) {
      const size = (round * 7) % 23;
      if (round % 2 === 0) broadcaster.broadcastMany(events(sent + 1, sent + size));
      else for (const event of events(sent + 1, sent + size)) broadcaster.broadcast(event);
      sent += size;
      if (round % 3 !== 0) await nextTick();
    }
    broadcaster.removeClient("c"); // flushes what is still queued, then ends
    expect(parseEventStream(sink.text()).events.map((event) => event.lastEventId)).toEqual(ids(1, sent));
  });

  it("throws on an invalid event in a batch before any client gets any of it", async () => {
    broadcaster = createSSEBroadcaster();
    const sink = recordingSink();
    broadcaster.addClient("c", sink.sink);
    await nextTick();
    expect(() => broadcaster?.broadcastMany([{ id: "ok", eventType: "tick" }, { id: "bad\nid", eventType: "tick" }])).toThrow(
      expect.objectContaining({ code: "invalid_field" }),
    );
    await nextTick();
    expect(sink.chunks.length).toBe(1); // the retry hint only
    expect(broadcaster.getStats().eventsBroadcast).toBe(0);
  });

  it("delivers many events broadcast in one tick, in order, to real eventsource clients", async () => {
    fixture = await startFixture();
    const clients = [await fixture.connect("/", ["tick"]), await fixture.connect("/", ["tick"])];
    // A tick's worth of single broadcasts, then a relay batch, each as large as the default queue bound.
    for (const event of events(1, 1_000)) fixture.broadcaster.broadcast(event);
    await nextTick();
    fixture.broadcaster.broadcastMany(events(1_001, 2_000));
    for (const { received } of clients) {
      await waitForCount(received, 2_000);
      expect(received.map((event) => event.id)).toEqual(ids(1, 2_000));
      expect(received.at(-1)).toEqual({ type: "tick", id: "e2000", data: '{"n":2000}' });
    }
    expect(fixture.broadcaster.getStats()).toMatchObject({ evictions: 0, eventsSent: 4_000 });
  });
});
