import { useTestDatabase } from "@org/test-harness";
import { afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { aggregateOrderProblems, countById } from "./test-support/handled-order.js";
import { queuedDeliveries, replayOrder, resetOutbox, setUpOutbox, unpublishedCount, waitFor, writeEvents } from "./test-support/fixtures.js";
import { startPublisherProcess, stopProcesses, type PublisherProcess } from "./test-support/processes.js";

const EVENTS = 20_000;
const BATCH = 100;
const database = useTestDatabase();
let running: PublisherProcess[] = [];

beforeAll(async () => setUpOutbox(database.db));
beforeEach(async () => resetOutbox(database.db));
afterEach(async () => {
  await stopProcesses(running);
  running = [];
});

const queued = () => queuedDeliveries(database.db);
const duplicates = (counts: Map<string, number>) => [...counts.values()].reduce((sum, n) => sum + n - 1, 0);

describe("a publisher process SIGKILLed in the middle of batches loses nothing (20,000 events)", () => {
  test("parallel handlers: the killed worker's claims come again after the lease", async () => {
    const ids = await writeEvents(database.db, EVENTS, { aggregates: 200 });
    running = Array.from({ length: 3 }, () =>
      startPublisherProcess({ DATABASE_URL: database.url, MODE: "worker", BATCH_SIZE: String(BATCH), LEASE_MS: "1500", SLOW_FIRST: "4000" }),
    );
    const [victim, ...survivors] = running as [PublisherProcess, ...PublisherProcess[]];
    await waitFor(() => victim.handled.length >= 1550, 30_000, "the victim to be busy");
    victim.kill("SIGKILL");
    await victim.exited;
    const handledByVictim = victim.handled.length;

    await waitFor(async () => (await queued()) === 0, 45_000, "the queue to empty");
    await waitFor(() => countById(running.flatMap((c) => c.handled)).size >= EVENTS, 5_000, "every line");
    const handled = running.flatMap((child) => child.handled);
    const counts = countById(handled);
    expect(new Set(counts.keys())).toEqual(new Set(ids));
    // At most the victim's one claim comes twice.
    expect(duplicates(counts)).toBeLessThanOrEqual(BATCH);
    const victimIds = new Set(victim.handled.map((h) => h.eventId));
    for (const [id, n] of counts) if (n > 1) expect(victimIds.has(id)).toBe(true);
    expect(aggregateOrderProblems(handled, { strict: false })).toEqual([]);
    expect(survivors.every((child) => child.handled.length > 0)).toBe(true);
    console.info(`worker mode: victim handled ${handledByVictim} before SIGKILL, duplicates ${duplicates(counts)}`);
  });

  test("ordered feed: a standby takes over and the relayed order, first deliveries counted, is the store's replay order", async () => {
    await writeEvents(database.db, EVENTS, { aggregates: 200 });
    running = Array.from({ length: 3 }, () => startPublisherProcess({ DATABASE_URL: database.url, MODE: "feed", BATCH_SIZE: String(BATCH), SLOW_FIRST: "4000" }));
    const leader = await Promise.race(running.map((child) => child.leader.then(() => child)));
    await waitFor(() => leader.handled.length >= 3050, 30_000, "the leader to be busy");
    leader.kill("SIGKILL");
    await leader.exited;
    const killedAt = Date.now();
    await waitFor(() => running.some((child) => child !== leader && child.handled.length > 0), 10_000, "a standby to take over");
    const takeoverMs = Date.now() - killedAt;

    await waitFor(async () => (await unpublishedCount(database.db)) === 0, 45_000, "the feed to drain");
    const successor = running.find((child) => child !== leader && child.handled.length > 0)!;
    await waitFor(() => new Set([...leader.handled, ...successor.handled].map((h) => h.eventId)).size >= EVENTS, 5_000, "every line");
    expect(running.filter((child) => child.handled.length > 0)).toHaveLength(2);

    const sequence = [...leader.handled, ...successor.handled].map((h) => h.eventId);
    const counts = countById([...leader.handled, ...successor.handled]);
    expect(counts.size).toBe(EVENTS);
    expect(duplicates(counts)).toBeLessThanOrEqual(BATCH);
    const firstDeliveries = sequence.filter((id, i) => sequence.indexOf(id) === i);
    expect(firstDeliveries).toEqual(await replayOrder(database.db));
    console.info(`feed mode: leader handled ${leader.handled.length} before SIGKILL, takeover ${takeoverMs} ms, duplicates ${duplicates(counts)}`);
  });
});
