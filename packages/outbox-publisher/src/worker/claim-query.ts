import { toDomainEvent, type DomainEvent, type EventRow } from "@org/events";
import { sql, type Kysely } from "kysely";
import { claimFunction } from "../sql-functions/claim-function.js";
import type { OutboxTables } from "../tables.js";

/** A claimed delivery: the event and its failed attempts so far. */
export interface Claimed {
  event: DomainEvent;
  attempts: number;
}

/**
 * Claims up to `limit` deliveries of a group under a lease. Only the head
 * of an aggregate (tenant, type, id) (no earlier delivery row of it left: pending, backing
 * off, claimed or dead) can be claimed, with `FOR UPDATE SKIP LOCKED`; the
 * claim then takes that aggregate's following rows too, up to the first
 * that is dead or backing off, which nobody else
 * can claim while the head exists. So the events of one aggregate are
 * handled in order, one at a time, and different aggregates in parallel.
 * Returns the claimed events in commit-safe order. The statement is the
 * outbox's claim function (migration 0007), planned once per connection.
 */
export async function claimDeliveries(
  db: Kysely<any>,
  tables: OutboxTables,
  group: string,
  { limit, leaseMs, workerId }: { limit: number; leaseMs: number; workerId: string },
): Promise<Claimed[]> {
  const { rows } = await sql<{ out_event: EventRow; out_attempts: number }>`
    select * from ${claimFunction(tables)}(${group}, ${limit}::integer, ${leaseMs}::integer, ${workerId})`.execute(db);
  return rows.map((row) => ({ event: toDomainEvent(row.out_event), attempts: row.out_attempts }));
}
