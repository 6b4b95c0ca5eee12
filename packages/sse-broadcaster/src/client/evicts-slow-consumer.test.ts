import { afterEach, describe, expect, it } from "vitest";
import type { BroadcastEvent } from "../filter/filter.js";
import { connectRaw } from "../test-support/raw-client.js";
import { parseEventStream } from "../test-support/sse-parser.js";
import { startFixture, waitForCount, type Fixture } from "../test-support/sse-fixture.js";
import { waitUntil } from "../test-support/wait.js";

describe("backpressure", () => {
  let fixture: Fixture<BroadcastEvent>;
  afterEach(() => fixture.close());

  it("evicts a client that stops reading, with a final comment, while fast clients get every event", async () => {
    fixture = await startFixture({ maxQueueEvents: 50, maxQueueBytes: 256 * 1024 }, () => ({ closeTimeoutMs: 30_000 }));
    const fast = [await fixture.connect("/", ["tick"]), await fixture.connect("/", ["tick"])];
    const slow = connectRaw(fixture.server.port);
    await waitUntil(() => slow.text().startsWith("retry:"), "the slow client's connect hint");
    slow.pause();

    const payload = "x".repeat(4096);
    let sent = 0;
    // Batches smaller than the queue bound, each awaited by the fast clients: they keep up by construction.
    // Bounded: at most 5,000 events (20 MB), far more than socket buffers hold.
    while (sent < 5_000 && fixture.broadcaster.getStats().evictions === 0) {
      for (let i = 0; i < 20; i += 1) {
        sent += 1;
        fixture.broadcaster.broadcast({ id: `e${sent}`, eventType: "tick", payload });
      }
      for (const client of fast) await waitForCount(client.received, sent);
    }
    expect(fixture.broadcaster.getStats().evictions).toBe(1);
    // The others go on unaffected.
    for (let i = 0; i < 20; i += 1) {
      sent += 1;
      fixture.broadcaster.broadcast({ id: `e${sent}`, eventType: "tick", payload });
    }
    for (const client of fast) {
      await waitForCount(client.received, sent);
      expect(client.received.map((event) => event.id)).toEqual(Array.from({ length: sent }, (_, i) => `e${i + 1}`));
    }

    // The slow client, reading again, finds what it had, then why it was cut off, then the end.
    slow.resume();
    await slow.responseEnded();
    slow.destroy();
    const stream = parseEventStream(slow.text());
    expect(stream.comments.at(-1)).toMatch(/^evicted: slow consumer .*reconnect with Last-Event-ID$/);
    const ids = stream.events.map((event) => event.lastEventId);
    // A prefix of the events, in order, with nothing missing before the cut.
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => `e${i + 1}`));
    expect(ids.length).toBeLessThan(sent);
    expect(fixture.broadcaster.getStats()).toMatchObject({ clients: 2, evictions: 1 });
  });

  it("bounds every client's queue by bytes as well as by count", async () => {
    fixture = await startFixture({ maxQueueEvents: 1_000, maxQueueBytes: 64 * 1024 }, () => ({ closeTimeoutMs: 30_000 }));
    const slow = connectRaw(fixture.server.port);
    await waitUntil(() => slow.text().startsWith("retry:"), "the connect hint");
    slow.pause();
    const payload = "y".repeat(16 * 1024);
    for (let n = 1; n <= 2_000 && fixture.broadcaster.getStats().evictions === 0; n += 1) {
      fixture.broadcaster.broadcast({ id: `e${n}`, eventType: "tick", payload });
      if (n % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(fixture.broadcaster.getStats()).toMatchObject({ evictions: 1, clients: 0 });
    slow.destroy();
  });
});
