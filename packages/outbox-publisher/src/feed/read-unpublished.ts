import { commitSafeHorizon, toDomainEvent, type Checkpoint, type DomainEvent, type EventRow } from "@org/events";
import { sql, type Kysely } from "kysely";
import { FEED_GROUP, type OutboxTables } from "../tables.js";

/** An unpublished event with the feed's retry state. */
export interface FeedItem {
  event: DomainEvent;
  /** Failed attempts so far. */
  attempts: number;
  /** Milliseconds until a retry is due (database clock); 0 when due now. */
  dueInMs: number;
}

/**
 * The next unpublished events in commit-safe order `(transaction_id,
 * position)`, only from transactions that ended before every transaction
 * still running in this database (commitSafeHorizon), so a later commit can never slip in behind them. Dead
 * letters are left out; events in backoff are returned with `dueInMs`.
 * With `after`, only events past that checkpoint: the relay's cursor over
 * events it has relayed but not yet marked.
 */
export async function readUnpublished(db: Kysely<any>, tables: OutboxTables, limit: number, after?: Checkpoint | null): Promise<FeedItem[]> {
  const { rows } = await sql<EventRow & { feed_attempts: number | null; due_in_ms: number | string | null }>`
    select e.*, f.attempts as feed_attempts,
      greatest(0, ceil(extract(epoch from (f.next_attempt_at - clock_timestamp())) * 1000)) as due_in_ms
    from ${sql.table(tables.events)} e
    left join ${sql.table(tables.deliveries)} f on f.group_name = ${FEED_GROUP} and f.event_id = e.id
    where e.published_at is null
      and e.transaction_id < ${commitSafeHorizon()}
      ${after ? sql`and (e.transaction_id, e.position) > (${after.transactionId}::xid8, ${after.position}::bigint)` : sql``}
      -- an anti join, not a filter on the left join: a filter made the planner expect a few rows and
      -- sort the whole backlog for every batch (36 ms per read of 500 with 49,500 waiting)
      and not exists (select 1 from ${sql.table(tables.deliveries)} x where x.group_name = ${FEED_GROUP} and x.event_id = e.id and x.status <> 'pending')
    order by e.transaction_id, e.position
    limit ${limit}`.execute(db);
  return rows.map((row) => ({
    event: toDomainEvent(row),
    attempts: row.feed_attempts ?? 0,
    dueInMs: Number(row.due_in_ms ?? 0),
  }));
}
