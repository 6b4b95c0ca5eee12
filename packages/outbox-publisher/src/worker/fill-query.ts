import { commitSafeHorizon, eventTypeCondition, toDomainEvent, type EventRow } from "@org/events";
import { sql, type Kysely } from "kysely";
import { asyncCommit } from "../async-commit.js";
import type { OutboxTables } from "../tables.js";
import type { Claimed } from "./claim-query.js";


/**
 * Registers a group at the start of the log (or at its current end) unless
 * it exists.
 */
export async function registerGroup(db: Kysely<any>, tables: OutboxTables, group: string, startFrom: "beginning" | "now"): Promise<void> {
  const start =
    startFrom === "beginning"
      ? sql`select ${group}, '0'::xid8, 0::bigint`
      : sql`select ${group}, coalesce(max(transaction_id), '0'::xid8), coalesce(max(position), 0) from (
          select transaction_id, position from ${sql.table(tables.events)}
          where transaction_id < ${commitSafeHorizon()}
          order by transaction_id desc, position desc limit 1) last`;
  await sql`insert into ${sql.table(tables.groups)} (group_name, transaction_id, position) ${start} on conflict do nothing`.execute(db);
}

/** What a fill did: how many events the checkpoint passed, the new deliveries it claimed at once, and whether the queue holds rows a claim may take. */
export interface FillResult {
  scanned: number;
  claimed: Claimed[];
  /** Rows pending and due (not claimed) were queued before, or queued now without a claim: the regular claim has work. */
  queueHasDue: boolean;
}

/**
 * Moves up to `limit` events past the group's checkpoint into its delivery
 * rows, in commit-safe order, and advances the checkpoint: one statement,
 * so a crash leaves both or neither. Only one process fills a group at a
 * time (the others skip the locked group row). `scanned` counts every event
 * the checkpoint passed, matching the type and tenant filter or not.
 *
 * With `claim`, the same statement also claims up to `claim.limit` of the
 * new deliveries for the worker, which a separate claim would cost two more
 * round trips: those of aggregates with no delivery row queued, which are
 * heads (or follow their aggregate's new head in this batch). It does so
 * only when the filler's snapshot saw every queued row: when no other fill
 * or replay changed the group row between the statement's snapshot and
 * its lock (the row's `xmin` is the same in both). Otherwise it only queues,
 * and the regular claim takes them in order. Committed without waiting for
 * the WAL flush (see asyncCommit).
 */
export async function fillDeliveries(
  db: Kysely<any>,
  tables: OutboxTables,
  group: string,
  limit: number,
  filter: { types?: readonly string[] | undefined; tenantId?: string | undefined },
  claim?: { limit: number; leaseMs: number; workerId: string },
): Promise<FillResult> {
  const d = sql.table(tables.deliveries);
  const g = sql.table(tables.groups);
  const claimLimit = claim?.limit ?? 0;
  const { rows } = await sql<{ scanned: string | number; queue_has_due: boolean } & Partial<EventRow>>`
    with grp as (
      select l.transaction_id, l.position,
        -- the version this statement's snapshot sees is the one it locked: no fill or replay committed in between
        l.xmin = (select s.xmin from ${g} s where s.group_name = ${group}) as seen_whole
      from ${g} l where l.group_name = ${group} for update skip locked
    ), batch as (
      select e.*
      from grp cross join lateral (
        select * from ${sql.table(tables.events)} e
        where (e.transaction_id, e.position) > (grp.transaction_id, grp.position)
          and e.transaction_id < ${commitSafeHorizon()}
        order by e.transaction_id, e.position
        limit ${limit}
      ) e
    ), matching as (
      select * from batch
      where ${eventTypeCondition(filter.types)}${filter.tenantId === undefined ? sql`` : sql` and tenant_id = ${filter.tenantId}`}
    ), claimable as (
      select m.id from matching m, grp
      where grp.seen_whole and not exists (
        select 1 from ${d} q
        where q.group_name = ${group} and q.tenant_id = m.tenant_id and q.aggregate_type = m.aggregate_type and q.aggregate_id = m.aggregate_id)
      order by m.transaction_id, m.position
      limit ${claimLimit}
    ), inserted as (
      insert into ${d} (group_name, event_id, tenant_id, aggregate_type, aggregate_id, transaction_id, position, event_created_at, locked_until, locked_by)
      select ${group}, m.id, m.tenant_id, m.aggregate_type, m.aggregate_id, m.transaction_id, m.position, m.created_at,
        case when c.id is null then null else now() + ${claim?.leaseMs ?? 0} * interval '1 millisecond' end,
        case when c.id is null then null else ${claim?.workerId ?? null}::text end
      from matching m left join claimable c on c.id = m.id
      on conflict do nothing
      returning event_id, locked_by is not null as claimed
    ), last as (
      select transaction_id, position from batch order by transaction_id desc, position desc limit 1
    ), moved as (
      update ${g} u set transaction_id = last.transaction_id, position = last.position, updated_at = now()
      from last where u.group_name = ${group}
    )
    select (select count(*) from batch) as scanned,
      exists (select 1 from inserted where not inserted.claimed) or exists (
        select 1 from ${d} q where q.group_name = ${group} and q.status = 'pending' and q.next_attempt_at <= now()
          and (q.locked_until is null or q.locked_until < now())) as queue_has_due,
      b.*
    from (select 1) one
    left join (batch b join inserted i on i.event_id = b.id and i.claimed) on true
    where ${asyncCommit()}
    order by b.transaction_id, b.position`.execute(db);
  return {
    scanned: Number(rows[0]?.scanned ?? 0),
    queueHasDue: rows[0]?.queue_has_due ?? true,
    claimed: rows.filter((row) => row.id !== null && row.id !== undefined).map((row) => ({ event: toDomainEvent(row as EventRow), attempts: 0 })),
  };
}
