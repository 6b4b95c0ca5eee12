import { createEventWriter, defineEventCatalog, migrate as migrateEvents } from "@org/events";
import { createPostgresDatabase } from "@org/events/pg";
import { createEventPublisher, createEventWorker, migrate, notifyEventsCommitted, type EventPublisher, type EventWorker } from "@org/outbox-publisher";
import { pgListener } from "@org/outbox-publisher/pg";
import { sql, type Kysely } from "kysely";
import { z } from "zod";
import type { QueueSystem, SystemDefinition } from "./system.js";

const GROUP = "bench";
const writer = createEventWriter({ catalog: defineEventCatalog({ "bench.enqueued": z.object({ n: z.number().int() }) }) });

/**
 * Our outbox: the event is a row of the events table written by
 * `recordEvent` in the transaction, `notifyEventsCommitted` after commit,
 * and the consumer is the ordered feed or a worker group.
 */
function ours(consumer: "feed" | "group", options: Record<string, number>): (url: string) => QueueSystem {
  return (url) => {
    // The writers' pool, and the consumer's own (as the peers have theirs).
    const { db } = createPostgresDatabase({ connectionString: url, max: 10 });
    const kdb: Kysely<any> = db;
    const consumerDatabase = createPostgresDatabase({ connectionString: url, max: 4 }).db;
    const consumerDb: Kysely<any> = consumerDatabase;
    let running: EventPublisher | EventWorker | undefined;
    return {
      async setup() {
        await migrateEvents(kdb);
        await migrate(kdb);
        // Published rows, analyzed: the version trigger plans its lookup from the
        // statistics, and on a table analyzed empty it scans the table per insert.
        await sql`insert into domain_events (id, aggregate_type, aggregate_id, event_type, payload)
          select 'evt_seed' || g, 'seed', 'seed_' || g, 'bench.seed', '{}'::jsonb from generate_series(1, 2000) g`.execute(kdb);
        await sql`update domain_events set published_at = now()`.execute(kdb);
        await sql`vacuum analyze domain_events`.execute(kdb);
        // The group starts after the seed rows, as a group created on a live log would.
        await sql`insert into domain_events_groups (group_name, transaction_id, position)
          select ${GROUP}, transaction_id, position from domain_events order by transaction_id desc, position desc limit 1`.execute(kdb);
      },
      async enqueue(n, stateId, aggregate) {
        await kdb.transaction().execute(async (tx) => {
          await sql`update bench_state set n = n + 1 where id = ${stateId}`.execute(tx);
          await writer.recordEvent(tx, "thing", aggregate, "bench.enqueued", { n });
        });
        void notifyEventsCommitted(kdb);
      },
      async fillBacklog(count) {
        for (let from = 0; from < count; from += 20_000) {
          await sql`insert into domain_events (id, aggregate_type, aggregate_id, event_type, payload)
            select 'evt_d' || lpad(g::text, 12, '0'), 'thing', 'agg_' || (g % 10000), 'bench.enqueued', jsonb_build_object('n', g)
            from generate_series(${from}::int, ${Math.min(count, from + 20_000) - 1}::int) g`.execute(kdb);
        }
        await sql`vacuum analyze domain_events`.execute(kdb);
      },
      async startConsumer(onJob) {
        const listen = pgListener({ connectionString: url });
        if (consumer === "feed") {
          const publisher = createEventPublisher(consumerDb, { listen, ...options });
          publisher.onEvent((event) => onJob((event.payload as { n: number }).n));
          running = publisher;
        } else {
          running = createEventWorker(consumerDb, { group: GROUP, listen, ...options, handler: (event) => onJob((event.payload as { n: number }).n) });
        }
        await running.start();
      },
      async stopConsumer() {
        await running?.stop();
        running = undefined;
      },
      async close() {
        await consumerDatabase.destroy();
        await db.destroy();
      },
    };
  };
}

export const oursFeed: SystemDefinition = {
  package: "@org/outbox-publisher",
  settings: "ordered feed: `createEventPublisher` with `pgListener`, defaults (`minReadIntervalMs` 0, `markDelayMs` 5, `batchSize` 100); `notifyEventsCommitted` after each commit (it wakes the consumer of the same process at once); the consumer has its own pool of 4",
  create: ours("feed", {}),
};

export const oursFeedBatched: SystemDefinition = {
  package: "@org/outbox-publisher",
  settings: "ordered feed, `batchSize` 5000 (at most this many events handed over twice after a crash)",
  create: ours("feed", { batchSize: 5000 }),
};

export const oursGroup: SystemDefinition = {
  package: "@org/outbox-publisher",
  settings: "worker group: `createEventWorker` with `pgListener`, defaults (`concurrency` 10, `batchSize` 100, `fillBatchSize` 1000, `pollIntervalMs` 500); `notifyEventsCommitted` after each commit (it wakes the consumer of the same process at once); the consumer has its own pool of 4",
  create: ours("group", {}),
};

export const oursGroupBatched: SystemDefinition = {
  package: "@org/outbox-publisher",
  settings: "worker group, `batchSize` 1000, `fillBatchSize` 1000 (a fill claims what it queues in the same statement)",
  create: ours("group", { batchSize: 1000, fillBatchSize: 1000 }),
};
