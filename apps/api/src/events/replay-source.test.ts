import { createEventStore, type DomainEvent } from "@org/events";
import { createLogFollower } from "@org/outbox-publisher";
import { createSSEBroadcaster } from "@org/sse-broadcaster";
import { useTestDatabase } from "@org/test-harness";
import { beforeAll, describe, expect, test } from "vitest";
import { buildTestApp, type TestClient } from "../test-support/test-app.js";
import { serializeEventData } from "./event-json.js";
import { followerPosition } from "./follower-position.js";
import { eventStoreReplay } from "./replay-source.js";

const database = useTestDatabase();
let tenantA: TestClient;
let events: DomainEvent[];

beforeAll(async () => {
  ({ tenantA } = await buildTestApp(database.db));
  for (let n = 0; n < 5; n += 1) expect((await tenantA("POST", "/api/v1/settlements", { amount: "1.00", currency: "USD" })).status).toBe(201);
  events = (await createEventStore(database.db).readAfter(null, { tenantId: "tenant-a" })).events;
  expect(events).toHaveLength(5);
});

const filter = { tenantId: "tenant-a" };
const ids = (list: DomainEvent[]) => list.map((event) => event.id);
async function collect(iterable: AsyncIterable<DomainEvent> | Iterable<DomainEvent>): Promise<DomainEvent[]> {
  const out: DomainEvent[] = [];
  for await (const event of iterable) out.push(event);
  return out;
}
const placeOf = (event: DomainEvent) => ({ transactionId: event.transactionId, position: event.position });

// Every replay starts with the client's own last event: the broadcaster does not send it again, it learns
// from it where the client stands in the log.
describe("eventStoreReplay", () => {
  test("without a live position, replays to the end of the log", async () => {
    const replay = eventStoreReplay(database.db);
    expect(ids(await collect(await replay({ lastEventId: events[0]!.id, filter })))).toEqual(ids(events));
  });

  test("stops where the live feed stands; nothing new when the feed is not past the client", async () => {
    const upToThird = eventStoreReplay(database.db, { upTo: async () => placeOf(events[2]!) });
    expect(ids(await collect(await upToThird({ lastEventId: events[0]!.id, filter })))).toEqual(ids(events.slice(0, 3)));
    expect(ids(await collect(await upToThird({ lastEventId: events[3]!.id, filter })))).toEqual([events[3]!.id]);
    const nowhere = eventStoreReplay(database.db, { upTo: async () => null });
    expect(ids(await collect(await nowhere({ lastEventId: events[0]!.id, filter })))).toEqual([events[0]!.id]);
  });

  test("a client resuming on an instance whose follower is behind gets every event once: the follower catches up, the replay stops there", async () => {
    // The client saw event 0 on another instance; this instance's follower has not read anything yet.
    const follower = createLogFollower(database.db, { from: "start", pollIntervalMs: 0 });
    const broadcaster = createSSEBroadcaster<DomainEvent>({
      heartbeatIntervalMs: 0,
      serialize: serializeEventData,
      replay: eventStoreReplay(database.db, { upTo: followerPosition(follower) }),
    });
    follower.onEvent((event) => void broadcaster.broadcast(event));
    let text = "";
    const sink = new WritableStream<Uint8Array>({ write: (chunk) => void (text += new TextDecoder().decode(chunk)) });
    broadcaster.addClient("resuming", sink, { filter, lastEventId: events[0]!.id });
    await follower.start();
    const received = () => [...text.matchAll(/^id: (\S+)$/gm)].map((match) => match[1]);
    for (let waited = 0; received().length < 4 && waited < 5_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 100)); // anything doubled would have come by now
    await broadcaster.close();
    await follower.stop();
    expect(received()).toEqual(ids(events.slice(1)));
  });
});
