import { sql, type Kysely } from "kysely";
import type { OutboxTables } from "../tables.js";

/** The function that claims a worker group's due deliveries (see `claimDeliveries`). */
export const claimFunction = (tables: OutboxTables) => sql.id(`${tables.deliveries}_claim`);

/**
 * Claims up to `p_limit` due deliveries of `p_group` for `p_worker` under
 * a lease of `p_lease_ms`: heads of their aggregates, each with the rest of
 * its run (up to the first row that is dead or backing off). Returns the
 * claimed events (the JSON of their rows) with their failed attempts, in
 * commit-safe order. A function, so PostgreSQL plans the statement once
 * per connection: sent as SQL it took longer to plan than to run. Commits
 * without waiting for the WAL flush (a lost claim is claimed again once
 * its lease runs out).
 */
export async function createClaimFunction(db: Kysely<any>, tables: OutboxTables): Promise<void> {
  const d = sql.table(tables.deliveries);
  await sql`
    create or replace function ${claimFunction(tables)}(p_group text, p_limit integer, p_lease_ms integer, p_worker text)
    returns table (out_event json, out_attempts integer)
    language plpgsql
    -- its plan is cached: one made while the queue was small found the claimed rows with a
    -- Seq Scan of the whole queue, kept once the queue had grown (the ctid scan is the plan)
    set enable_seqscan = off
    as $$
    begin
      perform set_config('synchronous_commit', 'off', true);
      return query
      with heads as (
        select h.tenant_id, h.aggregate_type, h.aggregate_id, h.transaction_id, h.position
        from ${d} h
        where h.group_name = p_group and h.status = 'pending' and h.next_attempt_at <= now()
          and (h.locked_until is null or h.locked_until < now())
          -- the head of its aggregate: a scalar subquery with LIMIT stays a per-row
          -- index probe whatever the statistics say (an anti join planned on stale
          -- statistics scanned the whole group for every row)
          and h.event_id = (
            select p.event_id from ${d} p
            where p.group_name = p_group and p.tenant_id = h.tenant_id and p.aggregate_type = h.aggregate_type and p.aggregate_id = h.aggregate_id
            order by p.transaction_id, p.position
            limit 1)
        order by h.transaction_id, h.position
        limit p_limit
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
            where p.group_name = p_group and p.tenant_id = h.tenant_id and p.aggregate_type = h.aggregate_type and p.aggregate_id = h.aggregate_id
            order by p.transaction_id, p.position
            limit p_limit
          ) q
          where q.claimable
        ) r
        order by h.transaction_id, h.position, r.transaction_id, r.position
        limit p_limit
      ), claimed as (
        update ${d} c set locked_until = now() + p_lease_ms * interval '1 millisecond', locked_by = p_worker
        -- by ctid: a TID scan whatever the statistics say; a row changed since
        -- this statement's snapshot fails the recheck and is simply not claimed
        where c.ctid = any(array(select row_id from run))
        returning c.event_id, c.attempts
      )
      select row_to_json(e), claimed.attempts
      from claimed join ${sql.table(tables.events)} e on e.id = claimed.event_id
      order by e.transaction_id, e.position;
    end $$`.execute(db);
}
