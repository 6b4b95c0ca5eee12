import { createEventStore, type DomainEvent } from "@org/events";
import { createSSEBroadcaster, type ReplaySource } from "@org/sse-broadcaster";
import { useTestDatabase } from "@org/test-harness";
import { beforeAll, beforeEach, expect, test } from "vitest";
import { createDeadLetterQueue } from "../dead-letters.js";
import { FEED_GROUP } from "../tables.js";
import { resetOutbox, setUpOutbox, waitFor, writeEvents } from "../test-support/fixtures.js";
import { createEventPublisher } from "./ordered-feed.js";
import { skippedByFeed } from "./skipped-by-feed.js";

const database = useTestDatabase();
beforeAll(async () => setUpOutbox(database.db));
beforeEach(async () => resetOutbox(database.db));

/** A replay that leaves out what the feed skipped, as the live stream did. */
function replayWithoutSkipped(): ReplaySource<DomainEvent> {
  const store = createEventStore(database.db);
  return async function* ({ lastEventId }) {
    const page = await store.readAfter((await store.getCheckpoint(lastEventId))!);
    const skipped = await skippedByFeed(database.db, page.events.map((e) => e.id));
    yield* page.events.filter((e) => !skipped.has(e.id));
  };
}

function idSink() {
  const ids: string[] = [];
  const decoder = new TextDecoder();
  return { ids, sink: { write: (chunk: Uint8Array) => void ids.push(...[...decoder.decode(chunk).matchAll(/^id: (.+)$/gm)].map((m) => m[1]!)), close() {} } };
}

test("with skipping opted into, a resuming client and a live one agree on what the feed skipped, also once it is discarded", async () => {
  const [first] = await writeEvents(database.db, 1, { prefix: "a" });
  const [poison] = await writeEvents(database.db, 1, { prefix: "p", eventType: "poison.pill" });
  const [last] = await writeEvents(database.db, 1, { prefix: "b" });
  const broadcaster = createSSEBroadcaster<DomainEvent>({ replay: replayWithoutSkipped(), heartbeatIntervalMs: 60_000 });
  const live = idSink();
  broadcaster.addClient("live", live.sink);
  const publisher = createEventPublisher(database.db, { pollIntervalMs: 10, retry: { maxAttempts: 2, initialDelayMs: 5 }, log: () => {} });
  publisher.onEvent((event) => {
    if (event.eventType === "poison.pill") throw new Error("cannot hand over");
    broadcaster.broadcast(event);
  });
  await publisher.start();
  try {
    await waitFor(() => live.ids.includes(last!), 10_000, "the live client to pass the skipped event");
    const resumed = idSink();
    broadcaster.addClient("resumed", resumed.sink, { lastEventId: first });
    await waitFor(() => resumed.ids.includes(last!), 10_000, "the resumed client");
    expect(live.ids).toEqual([first, last]);
    expect(resumed.ids).toEqual([last]);
    expect(await skippedByFeed(database.db, [first!, poison!, last!])).toEqual(new Set([poison]));

    // discarding the dead letter does not make the replay hand it out after all
    await createDeadLetterQueue(database.db).discard(FEED_GROUP, poison!);
    expect(await skippedByFeed(database.db, [first!, poison!, last!])).toEqual(new Set([poison]));
    expect((await createDeadLetterQueue(database.db).list()).items).toEqual([]);
  } finally {
    await publisher.stop();
    await broadcaster.close();
  }
});
