import { useTestDatabase } from "@org/test-harness";
import { sql } from "kysely";
import { afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { aggregateOrderProblems, countById } from "./test-support/handled-order.js";
import { queuedDeliveries, replayOrder, resetOutbox, setUpOutbox, unpublishedCount, waitFor } from "./test-support/fixtures.js";
import { writeOutOfOrder } from "./test-support/out-of-order-writers.js";
import { startPublisherProcess, stopProcesses, type PublisherProcess } from "./test-support/processes.js";

const database = useTestDatabase();
let running: PublisherProcess[] = [];

beforeAll(async () => setUpOutbox(database.db));
beforeEach(async () => resetOutbox(database.db));
afterEach(async () => {
  await stopProcesses(running);
  running = [];
});

const queued = () => queuedDeliveries(database.db);
const positionOrder = async () =>
  (await sql<{ id: string }>`select id from domain_events order by position`.execute(database.db)).rows.map((row) => row.id);

function start(mode: "feed" | "worker", count: number): PublisherProcess[] {
  running = Array.from({ length: count }, () => startPublisherProcess({ DATABASE_URL: database.url, MODE: mode }));
  return running;
}

describe("three publisher processes on one database", () => {
  test("ordered feed: one process relays every event once, in the store's replay order, while writers commit out of order", async () => {
    const children = start("feed", 3);
    await Promise.all(children.map((child) => child.ready));
    await Promise.race(children.map((child) => child.leader));
    const ids = await writeOutOfOrder(database.db, { waves: 60, concurrent: 8, perTransaction: 4 });
    await waitFor(async () => (await unpublishedCount(database.db)) === 0, 40_000, "the feed to drain");
    const handled = children.flatMap((child) => child.handled);
    await waitFor(() => children.reduce((n, c) => n + c.handled.length, 0) >= ids.length, 5_000, "every line");

    const relays = children.filter((child) => child.handled.length > 0);
    expect(relays).toHaveLength(1);
    expect([...countById(handled).values()].every((n) => n === 1)).toBe(true);
    expect(relays[0]!.handled.map((h) => h.eventId)).toEqual(await replayOrder(database.db));
    expect(new Set(relays[0]!.handled.map((h) => h.eventId))).toEqual(new Set(ids));
    // the writers really did commit out of insert order: a reader by position would have skipped events
    expect(await positionOrder()).not.toEqual(await replayOrder(database.db));
  });

  test("parallel handlers: the processes share the work, each event once, each aggregate in order", async () => {
    const children = start("worker", 3);
    await Promise.all(children.map((child) => child.ready));
    const ids = await writeOutOfOrder(database.db, { waves: 60, concurrent: 8, perTransaction: 4 });
    const total = () => children.reduce((n, child) => n + child.handled.length, 0);
    await waitFor(() => total() >= ids.length, 40_000, "every event handled");
    await waitFor(async () => (await queued()) === 0, 10_000, "the queue to empty");

    const handled = children.flatMap((child) => child.handled);
    const counts = countById(handled);
    expect(counts.size).toBe(ids.length);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(aggregateOrderProblems(handled, { strict: true })).toEqual([]);
    console.info("events handled per worker process:", children.map((child) => child.handled.length).join(", "));
  });
});
