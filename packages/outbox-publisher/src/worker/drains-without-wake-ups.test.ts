import { useTestDatabase } from "@org/test-harness";
import fc from "fast-check";
import { beforeAll, expect, test } from "vitest";
import { resetOutbox, setUpOutbox, waitFor, writeEvents } from "../test-support/fixtures.js";
import { createEventWorker } from "./event-worker.js";

const database = useTestDatabase();
beforeAll(async () => setUpOutbox(database.db));

// A worker sleeps its poll interval only when a round found nothing to do.
// With a poll interval of a minute and no wake-up after start, a backlog of
// many claims and fills must still drain well within it, in aggregate order.
test("a worker group drains a backlog of many batches and fills without waiting for a poll", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        batchSize: fc.integer({ min: 1, max: 20 }),
        fillBatchSize: fc.integer({ min: 1, max: 40 }),
        aggregates: fc.integer({ min: 1, max: 12 }),
        count: fc.integer({ min: 60, max: 240 }),
      }),
      async ({ batchSize, fillBatchSize, aggregates, count }) => {
        await resetOutbox(database.db);
        const ids = await writeEvents(database.db, count, { aggregates });
        const handled: { id: string; aggregateId: string; version: number }[] = [];
        const worker = createEventWorker(database.db, {
          group: "backlog",
          batchSize,
          fillBatchSize,
          pollIntervalMs: 60_000,
          handler: (event) => void handled.push({ id: event.id, aggregateId: event.aggregateId, version: event.aggregateVersion }),
        });
        await worker.start();
        try {
          await waitFor(() => handled.length >= count, 10_000).catch(() => {}); // the count below says how far it got
        } finally {
          await worker.stop();
        }
        expect(handled.length).toBe(count);
        expect(new Set(handled.map((h) => h.id))).toEqual(new Set(ids));
        const lastVersion = new Map<string, number>();
        for (const { aggregateId, version } of handled) {
          expect(version).toBe((lastVersion.get(aggregateId) ?? 0) + 1);
          lastVersion.set(aggregateId, version);
        }
      },
    ),
    {
      numRuns: 8,
      // the smallest case: every claim is full, so no round after the first fills
      examples: [[{ batchSize: 1, fillBatchSize: 1, aggregates: 1, count: 60 }]],
    },
  );
}, 120_000);
