import { afterEach, describe, expect, it } from "vitest";
import type { BroadcastEvent } from "../filter/filter.js";
import { memoryLog } from "../test-support/memory-log.js";
import { connectRaw } from "../test-support/raw-client.js";
import { parseEventStream } from "../test-support/sse-parser.js";
import { startFixture, waitForCount, type Fixture } from "../test-support/sse-fixture.js";
import { waitUntil } from "../test-support/wait.js";

describe("resume with Last-Event-ID", () => {
  let fixture: Fixture<BroadcastEvent>;
  afterEach(() => fixture.close());

  it("fills the gap with neither gap nor duplicate while events keep flowing", async () => {
    let log!: ReturnType<typeof memoryLog>;
    const connections: string[] = [];
    fixture = await startFixture({ replay: (request) => log.replay(request), retryMs: 10, retryJitter: 0 }, () => {
      const clientId = `conn_${connections.length}`;
      connections.push(clientId);
      return { clientId };
    });
    log = memoryLog((event) => fixture.broadcaster.broadcast(event));
    log.publish(); // the client has something to resume from
    const { received, source } = await fixture.connect("/", ["tick"]);
    await waitForCount(received, 0);

    // 300 events, one per millisecond or so; the server drops the client three times meanwhile.
    for (let n = 1; n <= 300; n += 1) {
      log.publish();
      if (n % 75 === 0) {
        // Drop the connection only once the client has something, so it reconnects with an id.
        await waitUntil(() => received.length > 0, "a first event");
        fixture.broadcaster.removeClient(connections.at(-1) as string);
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await waitForCount(received, log.events.length - 1);
    await waitUntil(() => fixture.broadcaster.getStats().resumes === 4, "four resumes");
    source.close();

    const expected = log.events.slice(1).map((event) => event.id);
    expect(received.map((event) => event.id)).toEqual(expected);
    expect(connections.length).toBe(5);
    expect(fixture.broadcaster.getStats()).toMatchObject({ resumes: 4, resets: 0, evictions: 0 });
  });

  it("tells a client with an unknown id to reload state, then streams live events", async () => {
    let log!: ReturnType<typeof memoryLog>;
    fixture = await startFixture({ replay: (request) => log.replay(request) });
    log = memoryLog((event) => fixture.broadcaster.broadcast(event));
    log.publish();
    const client = connectRaw(fixture.server.port, "/", { "Last-Event-ID": "evt_gone" });
    await waitUntil(() => client.text().includes("event: reset"), "the reset event");
    const live = log.publish();
    await waitUntil(() => client.text().includes(live.id), "the live event");
    client.destroy();
    expect(parseEventStream(client.text()).events).toEqual([
      { type: "reset", data: '{"reason":"unknown_last_event_id"}', lastEventId: "" },
      { type: "tick", data: JSON.stringify(live.payload), lastEventId: live.id },
    ]);
    expect(fixture.broadcaster.getStats().resets).toBe(1);
  });

  it("tells a resuming client to reload state when there is no replay source", async () => {
    fixture = await startFixture({});
    const client = connectRaw(fixture.server.port, "/", { "Last-Event-ID": "evt_1" });
    await waitUntil(() => client.text().includes("event: reset"), "the reset event");
    client.destroy();
    expect(parseEventStream(client.text()).events[0]?.data).toBe('{"reason":"resume_unsupported"}');
  });

  it("closes the client with a comment when the replay source fails, so it retries", async () => {
    const failures: unknown[] = [];
    fixture = await startFixture({
      replay: () => Promise.reject(new Error("database down")),
      onError: (error) => failures.push(error),
    });
    const client = connectRaw(fixture.server.port, "/", { "Last-Event-ID": "evt_1" });
    await client.responseEnded();
    client.destroy();
    expect(parseEventStream(client.text()).comments).toEqual(["error: could not replay missed events; reconnect to retry"]);
    expect(failures).toEqual([new Error("database down")]);
    expect(fixture.broadcaster.getStats()).toMatchObject({ replayFailures: 1, clients: 0 });
  });

  it("never replays another tenant's events, even when the store returns them", async () => {
    const events: BroadcastEvent[] = [
      { id: "a", eventType: "tick", tenantId: "t2", payload: "t2 secret" },
      { id: "b", eventType: "tick", tenantId: "t1", payload: "t1 data" },
    ];
    fixture = await startFixture({ replay: () => events }, () => ({ filter: { tenantId: "t1" } }));
    const client = connectRaw(fixture.server.port, "/", { "Last-Event-ID": "start" });
    await waitUntil(() => fixture.broadcaster.getStats().resumes === 1, "the resume");
    fixture.broadcaster.broadcast({ id: "c", eventType: "tick", tenantId: "t1", payload: "live" });
    await waitUntil(() => client.text().includes("id: c"), "the live event");
    client.destroy();
    expect(parseEventStream(client.text()).events.map((event) => event.data)).toEqual(['"t1 data"', '"live"']);
  });
});
