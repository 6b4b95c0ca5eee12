import { useTestDatabase } from "@org/test-harness";
import { afterEach, beforeAll, beforeEach, expect, test } from "vitest";
import { countById } from "../test-support/handled-order.js";
import { replayOrder, resetOutbox, setUpOutbox, unpublishedCount, waitFor, writeEvents } from "../test-support/fixtures.js";
import { startPublisherProcess, stopProcesses, type PublisherProcess } from "../test-support/processes.js";

const database = useTestDatabase();
let running: PublisherProcess[] = [];

beforeAll(async () => setUpOutbox(database.db));
beforeEach(async () => resetOutbox(database.db));
afterEach(async () => {
  await stopProcesses(running);
  running = [];
});

test("three processes with only pollIntervalMs and batchSize: one relays every event once, the others stand by", async () => {
  running = Array.from({ length: 3 }, () => startPublisherProcess({ DATABASE_URL: database.url, MODE: "default-feed" }));
  await Promise.all(running.map((child) => child.ready));
  const ids = await writeEvents(database.db, 3000, { aggregates: 50 });
  await waitFor(async () => (await unpublishedCount(database.db)) === 0, 40_000, "the feed to drain");
  // a relay that is not the leader would still be handling: give it time to show
  await new Promise((resolve) => setTimeout(resolve, 500));
  const handled = running.flatMap((child) => child.handled);
  const duplicates = [...countById(handled).values()].reduce((n, count) => n + count - 1, 0);
  expect({ relays: running.filter((child) => child.handled.length > 0).length, duplicates }).toEqual({ relays: 1, duplicates: 0 });
  const relay = running.find((child) => child.handled.length > 0)!;
  expect(relay.handled.map((h) => h.eventId)).toEqual(await replayOrder(database.db));
  expect(new Set(relay.handled.map((h) => h.eventId))).toEqual(new Set(ids));
}, 60_000);
