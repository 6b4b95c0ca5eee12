import { useTestDatabase } from "@org/test-harness";
import { beforeAll, beforeEach, expect, test } from "vitest";
import { createDeadLetterQueue } from "../dead-letters.js";
import { createEventPublisher } from "./ordered-feed.js";
import { readOutboxStats } from "../stats/read-outbox-stats.js";
import { FEED_GROUP } from "../tables.js";
import { resetOutbox, setUpOutbox, unpublishedCount, waitFor, writeEvents } from "../test-support/fixtures.js";

const database = useTestDatabase();
beforeAll(async () => setUpOutbox(database.db));
beforeEach(async () => resetOutbox(database.db));

test("the ordered feed retries a failing head in place, dead-letters it after its attempts, moves on, and relays it again on requeue", async () => {
  const [first] = await writeEvents(database.db, 1, { prefix: "a" });
  const [poison] = await writeEvents(database.db, 1, { prefix: "b", eventType: "poison.pill" });
  const [last] = await writeEvents(database.db, 1, { prefix: "c" });
  let healed = false;
  const seen: string[] = [];
  const publisher = createEventPublisher(database.db, { pollIntervalMs: 10, retry: { initialDelayMs: 10, maxAttempts: 3, jitter: 0 } });
  publisher.onEvent((event) => {
    seen.push(event.id);
    if (event.eventType === "poison.pill" && !healed) throw new Error("bad payload");
  });
  await publisher.start();
  await waitFor(() => seen.includes(last!), 20_000, "the event behind the poison");
  // head-of-line: nothing passes the poison until it is dead-lettered
  expect(seen).toEqual([first, poison, poison, poison, last]);
  await waitFor(async () => (await unpublishedCount(database.db)) === 1, 20_000, "the marks"); // only the dead letter
  expect(await readOutboxStats(database.db)).toMatchObject({ backlog: 0, feedDeadLetters: 1 });

  const dlq = createDeadLetterQueue(database.db);
  expect((await dlq.list({ group: FEED_GROUP })).items.map((d) => [d.event.id, d.attempts])).toEqual([[poison, 3]]);
  healed = true;
  await dlq.requeue(FEED_GROUP, poison!);
  publisher.notify();
  await waitFor(async () => (await unpublishedCount(database.db)) === 0, 20_000, "the requeued event");
  await publisher.stop();
  expect(seen.at(-1)).toBe(poison);
  expect((await dlq.list()).items).toEqual([]);
});

test("discarding a feed dead letter marks it published without relaying it", async () => {
  const [poison] = await writeEvents(database.db, 1, { eventType: "poison.pill" });
  const seen: string[] = [];
  const publisher = createEventPublisher(database.db, { pollIntervalMs: 10, retry: { maxAttempts: 1 } });
  publisher.onEvent((event) => {
    seen.push(event.id);
    throw new Error("always fails");
  });
  await publisher.start();
  const dlq = createDeadLetterQueue(database.db);
  await waitFor(async () => (await dlq.list()).items.length === 1, 20_000, "the dead letter");
  await dlq.discard(FEED_GROUP, poison!);
  await publisher.stop();
  expect(seen).toEqual([poison]);
  expect(await unpublishedCount(database.db)).toBe(0);
  expect(await readOutboxStats(database.db)).toMatchObject({ backlog: 0, feedDeadLetters: 0 });
});
