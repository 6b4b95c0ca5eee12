import { toDomainEvent, type Checkpoint, type DomainEvent, type EventRow } from "@org/events";
import { sql, type Kysely } from "kysely";
import { feedReadFunction } from "../sql-functions/feed-read-function.js";
import type { OutboxTables } from "../tables.js";

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
 * events it has relayed but not yet marked. The query is the outbox's feed
 * read function (migration 0005), whose plan PostgreSQL keeps per
 * connection: sent as a statement it was planned on every read.
 */
export async function readUnpublished(db: Kysely<any>, tables: OutboxTables, limit: number, after?: Checkpoint | null): Promise<FeedItem[]> {
  const { rows } = await sql<{ out_event: EventRow; out_attempts: number; out_due_in_ms: number | string }>`
    select * from ${feedReadFunction(tables)}(${limit}::integer, ${after?.transactionId ?? "0"}::xid8, ${after?.position ?? 0}::bigint)`.execute(db);
  return rows.map((row) => ({
    event: toDomainEvent(row.out_event),
    attempts: row.out_attempts,
    dueInMs: Number(row.out_due_in_ms),
  }));
}
