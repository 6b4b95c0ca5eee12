import { useTestDatabase } from "@org/test-harness";
import { beforeAll, beforeEach, expect, test } from "vitest";
import { createDeadLetterQueue } from "../dead-letters.js";
import { isOutboxError } from "../errors.js";
import { FEED_GROUP } from "../tables.js";
import { replayOrder, resetOutbox, setUpOutbox, unpublishedCount, waitFor, writeEvents } from "../test-support/fixtures.js";
import { createEventPublisher } from "./ordered-feed.js";

const database = useTestDatabase();
beforeAll(async () => setUpOutbox(database.db));
beforeEach(async () => resetOutbox(database.db));

test("a batch handler gets each batch the relay read at once, in replay order, before the per-event handlers", async () => {
  await writeEvents(database.db, 250, { aggregates: 7 });
  const batches: string[][] = [];
  const seen: string[] = [];
  const publisher = createEventPublisher(database.db, { pollIntervalMs: 10, batchSize: 100 });
  publisher.onBatch((events) => void batches.push(events.map((event) => event.id)));
  publisher.onEvent((event) => {
    // every event reaches the per-event handlers after its batch was taken
    expect(batches.flat()).toContain(event.id);
    seen.push(event.id);
  });
  await publisher.start();
  await waitFor(async () => (await unpublishedCount(database.db)) === 0, 20_000, "the marks");
  await publisher.stop();
  expect(batches.map((batch) => batch.length)).toEqual([100, 100, 50]);
  expect(batches.flat()).toEqual(await replayOrder(database.db));
  expect(seen).toEqual(batches.flat());
});

test("a failing batch handler holds the feed on the batch's first event: retried, then dead-lettered, and the rest handed over again", async () => {
  const [first, second, third] = await writeEvents(database.db, 3);
  const batches: string[][] = [];
  const publisher = createEventPublisher(database.db, { pollIntervalMs: 10, retry: { initialDelayMs: 10, maxAttempts: 2, jitter: 0 } });
  publisher.onBatch((events) => {
    batches.push(events.map((event) => event.id));
    if (events[0]!.id === first) throw new Error("broker unreachable");
  });
  await publisher.start();
  await waitFor(async () => (await unpublishedCount(database.db)) === 1, 20_000, "all but the dead letter marked");
  await publisher.stop();
  // two attempts with the head first, then the head dead-lettered and the rest handed over at once
  expect(batches).toEqual([
    [first, second, third],
    [first, second, third],
    [second, third],
  ]);
  expect((await createDeadLetterQueue(database.db).list({ group: FEED_GROUP })).items.map((letter) => [letter.event.id, letter.attempts])).toEqual([[first, 2]]);
});

test("a batch handler that is not a function is refused with a typed error", () => {
  const publisher = createEventPublisher(database.db);
  let thrown: unknown;
  try {
    publisher.onBatch("nope" as never);
  } catch (error) {
    thrown = error;
  }
  expect(isOutboxError(thrown, "invalid_argument")).toBe(true);
});
