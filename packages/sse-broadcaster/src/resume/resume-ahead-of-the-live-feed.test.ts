import { afterEach, describe, expect, it } from "vitest";
import { SSEError } from "../errors.js";
import type { BroadcastEvent } from "../filter/filter.js";
import { connectRaw } from "../test-support/raw-client.js";
import { parseEventStream } from "../test-support/sse-parser.js";
import { startFixture, type Fixture } from "../test-support/sse-fixture.js";
import { waitUntil } from "../test-support/wait.js";

/** A log event with its place in the commit-safe order, as `@org/events` gives it. */
type LogEvent = BroadcastEvent & { transactionId: string; position: number };

/**
 * A store that is ahead of the live feed: every event is in the store (and
 * replayed) as soon as it is written; the relay broadcasts it only when told
 * to (its next poll). Transaction ids are out of position order, as with
 * concurrent writers. The replay yields the client's last event first (its
 * place in the log), then the events after it.
 */
function laggingLog(broadcast: (event: LogEvent) => void) {
  const store: LogEvent[] = [];
  let relayed = 0;
  const order = (a: LogEvent, b: LogEvent) => Number(BigInt(a.transactionId) - BigInt(b.transactionId)) || a.position - b.position;
  return {
    store,
    write(count: number) {
      for (let i = 0; i < count; i += 1) {
        const n = store.length + 1;
        // pairs of events commit in swapped transaction order
        store.push({ id: `evt_${n}`, eventType: "tick", payload: { n }, transactionId: String(1000 + n + (n % 2 === 0 ? -1 : 1)), position: n });
      }
      store.sort(order);
    },
    /** The relay catches up to `upTo` events of the store, in its order. */
    relay(upTo = store.length) {
      for (; relayed < upTo; relayed += 1) broadcast(store[relayed] as LogEvent);
    },
    async *replay({ lastEventId }: { lastEventId: string }) {
      const at = store.findIndex((event) => event.id === lastEventId);
      if (at === -1) throw new SSEError("unknown_last_event_id", `no event ${lastEventId}`);
      for (let i = at; i < store.length; i += 1) {
        await new Promise((resolve) => setImmediate(resolve));
        yield store[i] as LogEvent;
      }
    },
  };
}

describe("resume while the store is ahead of the live feed", () => {
  let fixture: Fixture<LogEvent>;
  afterEach(() => fixture.close());

  it("sends each event once and never an older one after a newer, however far the replay runs ahead", async () => {
    let log!: ReturnType<typeof laggingLog>;
    fixture = await startFixture<LogEvent>({ replay: (request) => log.replay(request) });
    log = laggingLog((event) => fixture.broadcaster.broadcast(event));
    log.write(10);
    log.relay(4); // the relay has broadcast 4 events; the store holds 10
    const resumeFrom = log.store[2]!.id;
    const client = connectRaw(fixture.server.port, "/", { "Last-Event-ID": resumeFrom });
    await waitUntil(() => fixture.broadcaster.getStats().resumes === 1, "the resume");
    log.relay(); // the relay catches up with what the replay already sent
    log.write(4);
    log.relay();
    const last = log.store.at(-1)!.id;
    await waitUntil(() => client.text().includes(`id: ${last}`), "the last event");
    await new Promise((resolve) => setTimeout(resolve, 50));
    client.destroy();
    const received = parseEventStream(client.text()).events.map((event) => event.lastEventId);
    expect(received).toEqual(log.store.slice(3).map((event) => event.id));
  });

  it("a client whose last event the relay has not broadcast yet gets nothing it already has", async () => {
    let log!: ReturnType<typeof laggingLog>;
    fixture = await startFixture<LogEvent>({ replay: (request) => log.replay(request) });
    log = laggingLog((event) => fixture.broadcaster.broadcast(event));
    log.write(8);
    log.relay(2);
    // the client got the 8th event from an earlier replay, then reconnected
    const client = connectRaw(fixture.server.port, "/", { "Last-Event-ID": log.store[7]!.id });
    await waitUntil(() => fixture.broadcaster.getStats().resumes === 1, "the resume");
    log.relay();
    log.write(2);
    log.relay();
    const last = log.store.at(-1)!.id;
    await waitUntil(() => client.text().includes(`id: ${last}`), "the last event");
    client.destroy();
    expect(parseEventStream(client.text()).events.map((event) => event.lastEventId)).toEqual(log.store.slice(8).map((event) => event.id));
  });
});
