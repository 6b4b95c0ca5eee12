import type { EventsDatabase, Executor } from "@org/events";
import { sql, type Kysely } from "kysely";
import { FEED_GROUP, resolveTables, type OutboxTableOptions } from "../tables.js";

/**
 * Which of `eventIds` the ordered feed skipped: dead-lettered (only when the
 * publisher was given `retry.maxAttempts`) and not requeued, or discarded
 * from its dead letters. Live consumers never got them; a replay for the same
 * consumers (an SSE resume) leaves them out too, so that replay and live
 * agree. A requeued event is no longer skipped: the feed relays it again, late.
 *
 * @example
 * const page = await store.readAfter(checkpoint);
 * const skipped = await skippedByFeed(db, page.events.map((e) => e.id));
 * yield* page.events.filter((e) => !skipped.has(e.id));
 */
export async function skippedByFeed<DB extends EventsDatabase<T>, T extends string = "domain_events">(
  database: Executor<DB>,
  eventIds: readonly string[],
  options?: OutboxTableOptions<T>,
): Promise<Set<string>> {
  const db: Kysely<any> = database;
  if (eventIds.length === 0) return new Set();
  const tables = resolveTables(options);
  const { rows } = await sql<{ event_id: string }>`
    select event_id from ${sql.table(tables.deliveries)}
    where event_id = any(${[...eventIds]}::text[]) and group_name = ${FEED_GROUP} and status in ('dead', 'skipped')`.execute(db);
  return new Set(rows.map((row) => row.event_id));
}
