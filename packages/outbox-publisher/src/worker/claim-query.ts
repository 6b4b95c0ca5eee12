import { toDomainEvent, type DomainEvent, type EventRow } from "@org/events";
import { sql, type Kysely } from "kysely";
import { asyncCommit } from "../async-commit.js";
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
 * Returns the claimed events in commit-safe order.
 */
export async function claimDeliveries(
  db: Kysely<any>,
  tables: OutboxTables,
  group: string,
  { limit, leaseMs, workerId }: { limit: number; leaseMs: number; workerId: string },
): Promise<Claimed[]> {
  const d = sql.table(tables.deliveries);
  const { rows } = await sql<EventRow & { claimed_attempts: number }>`
    with heads as (
      select h.tenant_id, h.aggregate_type, h.aggregate_id, h.transaction_id, h.position
      from ${d} h
      where h.group_name = ${group} and h.status = 'pending' and h.next_attempt_at <= now()
        and (h.locked_until is null or h.locked_until < now())
        -- the head of its aggregate: a scalar subquery with LIMIT stays a per-row
        -- index probe whatever the statistics say (an anti join planned on stale
        -- statistics scanned the whole group for every row)
        and h.event_id = (
          select p.event_id from ${d} p
          where p.group_name = ${group} and p.tenant_id = h.tenant_id and p.aggregate_type = h.aggregate_type and p.aggregate_id = h.aggregate_id
          order by p.transaction_id, p.position
          limit 1)
      order by h.transaction_id, h.position
      limit ${limit}
      for update skip locked
    ), run as (
      select r.row_id from heads h cross join lateral (
        -- the head's run: its aggregate's rows in order, up to the first one that is
        -- dead or backing off (what is behind it must wait for it)
        select q.row_id, q.transaction_id, q.position from (
          select p.ctid as row_id, p.transaction_id, p.position,
            bool_and(p.status = 'pending' and p.next_attempt_at <= now()) over (order by p.transaction_id, p.position) as claimable
          from ${d} p
          -- no status filter in the scan: it would let the planner pick the partial claim-order index
          where p.group_name = ${group} and p.tenant_id = h.tenant_id and p.aggregate_type = h.aggregate_type and p.aggregate_id = h.aggregate_id
          order by p.transaction_id, p.position
          limit ${limit}
        ) q
        where q.claimable
      ) r
      order by h.transaction_id, h.position, r.transaction_id, r.position
      limit ${limit}
    ), claimed as (
      update ${d} c set locked_until = now() + ${leaseMs} * interval '1 millisecond', locked_by = ${workerId}
      -- by ctid: a TID scan whatever the statistics say; a row changed since
      -- this statement's snapshot fails the recheck and is simply not claimed
      where c.ctid = any(array(select row_id from run))
      returning c.event_id, c.attempts
    )
    select e.*, claimed.attempts as claimed_attempts
    from claimed join ${sql.table(tables.events)} e on e.id = claimed.event_id
    where ${asyncCommit()}
    order by e.transaction_id, e.position`.execute(db);
  return rows.map((row) => ({ event: toDomainEvent(row), attempts: Number(row.claimed_attempts) }));
}
