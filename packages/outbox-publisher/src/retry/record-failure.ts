import type { DomainEvent } from "@org/events";
import { sql, type Kysely } from "kysely";
import type { OutboxTables } from "../tables.js";

/** The outcome of a failed attempt, decided by the retry policy. */
export interface Failure {
  /** Attempts so far, this one included. */
  attempts: number;
  error: string;
  /** Delay before the next attempt; ignored when dead. */
  delayMs: number;
  dead: boolean;
}

/**
 * Stores a failed attempt on the delivery row: attempts, last error, when
 * the next attempt is due (`last_attempt_at + delay`, both on the database
 * clock), or that it is dead-lettered. Releases the claim. With `upsert`
 * (the ordered feed, which keeps no row until something fails) the row is
 * created when missing. With `lockedBy` (a worker) the row is changed only
 * while that worker still holds its claim; returns whether it was changed.
 */
export async function recordFailure(
  db: Kysely<any>,
  tables: OutboxTables,
  group: string,
  event: DomainEvent,
  failure: Failure,
  { upsert, lockedBy }: { upsert: boolean; lockedBy?: string },
): Promise<boolean> {
  const d = sql.table(tables.deliveries);
  const status = failure.dead ? "dead" : "pending";
  const next = sql`now() + ${failure.dead ? 0 : failure.delayMs} * interval '1 millisecond'`;
  if (!upsert) {
    const { rows } = await sql`
      update ${d} set status = ${status}, attempts = ${failure.attempts}, last_error = ${failure.error},
        last_attempt_at = now(), next_attempt_at = ${next},
        dead_lettered_at = ${failure.dead ? sql`now()` : sql`null`}, locked_until = null, locked_by = null
      where group_name = ${group} and event_id = ${event.id}
        ${lockedBy === undefined ? sql`` : sql`and locked_by = ${lockedBy}`}
      returning event_id`.execute(db);
    return rows.length > 0;
  }
  await sql`
    insert into ${d} (group_name, event_id, tenant_id, aggregate_type, aggregate_id, transaction_id, position, event_created_at,
      status, attempts, last_error, last_attempt_at, next_attempt_at, dead_lettered_at)
    values (${group}, ${event.id}, ${event.tenantId}, ${event.aggregateType}, ${event.aggregateId}, ${event.transactionId}::xid8, ${event.position},
      ${event.createdAt}, ${status}, ${failure.attempts}, ${failure.error}, now(), ${next}, ${failure.dead ? sql`now()` : sql`null`})
    on conflict (group_name, event_id) do update set status = excluded.status, attempts = excluded.attempts,
      last_error = excluded.last_error, last_attempt_at = excluded.last_attempt_at, next_attempt_at = excluded.next_attempt_at,
      dead_lettered_at = excluded.dead_lettered_at, locked_until = null, locked_by = null`.execute(db);
  return true;
}
