import { createEventStore, type DomainEvent } from "@org/events";
import type { Kysely } from "kysely";
import { beforeAll, beforeEach, describe, expect, test } from "vitest";
import { createEventPublisher } from "../feed/ordered-feed.js";
import { createDeadLetterQueue } from "../dead-letters.js";
import { replayEvents } from "../replay.js";
import { deleteOldEvents } from "../retention.js";
import { readOutboxStats } from "../stats/read-outbox-stats.js";
import { sql } from "kysely";
import { createEventWorker } from "../worker/event-worker.js";
import { notifyEventsCommitted } from "../wake/notify.js";
import type { WakeSource } from "../wake/wake-source.js";
import { replayOrder, resetOutbox, setUpOutbox, unpublishedCount, waitFor, writeEvents } from "./fixtures.js";

/**
 * The ordered feed's contract (every committed event relayed once, in the
 * store's replay order, then marked published), run on every dialect: PostgreSQL through
 * pg, and embedded PGlite.
 */
export function describePublisherContract(
  dialect: string,
  connection: { readonly db: Kysely<any> },
  makeListener: () => WakeSource,
) {
  describe(`outbox publisher contract on ${dialect}`, () => {
    let db: Kysely<any>;
    beforeAll(async () => {
      db = connection.db;
      await setUpOutbox(db);
    });
    beforeEach(async () => resetOutbox(db));

    test("relays unpublished events in the store's replay order and marks them published", async () => {
      await writeEvents(db, 250, { aggregates: 7 });
      const seen: string[] = [];
      const publisher = createEventPublisher(db, { pollIntervalMs: 20, batchSize: 100 });
      publisher.onEvent((event) => void seen.push(event.id));
      await publisher.start();
      await waitFor(() => seen.length >= 250, 20_000, "250 events");
      await publisher.stop();
      expect(seen).toEqual(await replayOrder(db));
      expect(await unpublishedCount(db)).toBe(0);
      expect(publisher.getStats()).toMatchObject({ delivered: 250, retries: 0 });
    });

    test("an event whose handling fails stays unpublished and comes again", async () => {
      const [id] = await writeEvents(db, 1);
      let calls = 0;
      const publisher = createEventPublisher(db, { pollIntervalMs: 20, retry: { initialDelayMs: 10, jitter: 0 } });
      publisher.onEvent(() => {
        calls++;
        if (calls < 3) throw new Error(`fails on call ${calls}`);
      });
      await publisher.start();
      await waitFor(() => calls >= 3, 20_000, "third call");
      await publisher.stop();
      expect(calls).toBe(3);
      expect(await unpublishedCount(db)).toBe(0);
      expect(publisher.getStats()).toMatchObject({ delivered: 1, retries: 2 });
      expect(id).toBeDefined();
    });

    test("a notification wakes the publisher long before its poll interval", async () => {
      const seen: DomainEvent[] = [];
      const publisher = createEventPublisher(db, { pollIntervalMs: 600_000, listen: makeListener() });
      publisher.onEvent((event) => void seen.push(event));
      await publisher.start();
      await waitFor(() => publisher.getStats().isLeader, 5_000, "leadership");
      const [id] = await writeEvents(db, 1);
      await notifyEventsCommitted(db);
      await waitFor(() => seen.length === 1, 20_000, "the notified event");
      await publisher.stop();
      expect(seen[0]!.id).toBe(id);
    });

    test("stop() lets the handler in flight settle and marks its event", async () => {
      await writeEvents(db, 5);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const started: string[] = [];
      const finished: string[] = [];
      const publisher = createEventPublisher(db, { pollIntervalMs: 20 });
      publisher.onEvent(async (event) => {
        started.push(event.id);
        await gate;
        finished.push(event.id);
      });
      await publisher.start();
      await waitFor(() => started.length === 1, 20_000, "first handler");
      const stopped = publisher.stop();
      release();
      await stopped;
      await publisher.stop(); // idempotent
      expect(finished).toEqual(started);
      expect(started).toHaveLength(1);
      expect(await unpublishedCount(db)).toBe(4);
    });

    test("a worker group handles every event once, aggregates in order", async () => {
      const ids = await writeEvents(db, 300, { aggregates: 10 });
      const seen: DomainEvent[] = [];
      const worker = createEventWorker(db, { group: "contract", handler: (event) => void seen.push(event), pollIntervalMs: 20 });
      await worker.start();
      await waitFor(() => seen.length >= 300, 20_000, "300 events");
      await worker.stop();
      expect(new Set(seen.map((e) => e.id)).size).toBe(300);
      expect(seen.map((e) => e.id).sort()).toEqual([...ids].sort());
      const versions = new Map<string, number>();
      for (const event of seen) {
        expect(event.aggregateVersion).toBe((versions.get(event.aggregateId) ?? 0) + 1);
        versions.set(event.aggregateId, event.aggregateVersion);
      }
    });

    test("dead letters, requeue, replay, stats and retention", async () => {
      const [poison] = await writeEvents(db, 1, { prefix: "p", eventType: "poison.pill" });
      const others = await writeEvents(db, 6, { aggregates: 2 });
      let healed = false;
      const seen: string[] = [];
      const worker = createEventWorker(db, {
        group: "contract",
        pollIntervalMs: 10,
        retry: { maxAttempts: 2, initialDelayMs: 5 },
        handler(event) {
          if (event.eventType === "poison.pill" && !healed) throw new Error("poisoned");
          seen.push(event.id);
        },
      });
      await worker.start();
      const dlq = createDeadLetterQueue(db);
      await waitFor(async () => (await dlq.list({ group: "contract" })).items.length === 1, 20_000, "the dead letter");
      await waitFor(() => seen.length === others.length, 20_000, "the others");
      const page = await dlq.list({ group: "contract", limit: 1 });
      expect(page.items[0]).toMatchObject({ attempts: 2, event: { id: poison } });
      expect((await readOutboxStats(db)).groups).toEqual([{ group: "contract", pending: 0, deadLetters: 1 }]);
      healed = true;
      await dlq.requeue("contract", poison!);
      worker.notify();
      await waitFor(() => seen.includes(poison!), 20_000, "the requeued event");
      await worker.stop();

      const replayed: string[] = [];
      expect(await replayEvents(db, { types: ["test.*"], pageSize: 4 }, (event) => void replayed.push(event.id))).toBe(6);
      expect(replayed).toEqual(others);

      await sql`update domain_events set published_at = now(), created_at = now() - interval '8 days'`.execute(db);
      // every event is old, published and handled by the group: retention takes the whole log, in batches
      const before = (await sql<{ id: string }>`select id from domain_events order by transaction_id, position`.execute(db)).rows.length;
      expect(await deleteOldEvents(db, { batchSize: 2 })).toBe(before);
      expect(await createEventStore(db).getLowWater()).not.toBeNull();
    });
  });
}
