import { commitSafeHorizon, eventTypeCondition } from "@org/events";
import { sql, type Kysely } from "kysely";
import type { OutboxTables } from "../tables.js";


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

/**
 * Moves up to `limit` events past the group's checkpoint into its delivery
 * rows, in commit-safe order, and advances the checkpoint: one statement,
 * so a crash leaves both or neither. Only one process fills a group at a
 * time (the others skip the locked group row). Returns how many events the
 * checkpoint passed (all of them, matching the type and tenant filter or not).
 */
export async function fillDeliveries(
  db: Kysely<any>,
  tables: OutboxTables,
  group: string,
  limit: number,
  filter: { types?: readonly string[] | undefined; tenantId?: string | undefined },
): Promise<number> {
  const { rows } = await sql<{ scanned: string | number }>`
    with grp as (
      select transaction_id, position from ${sql.table(tables.groups)} where group_name = ${group} for update skip locked
    ), batch as (
      select e.id, e.tenant_id, e.aggregate_type, e.aggregate_id, e.transaction_id, e.position, e.created_at, e.event_type
      from grp cross join lateral (
        select * from ${sql.table(tables.events)} e
        where (e.transaction_id, e.position) > (grp.transaction_id, grp.position)
          and e.transaction_id < ${commitSafeHorizon()}
        order by e.transaction_id, e.position
        limit ${limit}
      ) e
    ), inserted as (
      insert into ${sql.table(tables.deliveries)} (group_name, event_id, tenant_id, aggregate_type, aggregate_id, transaction_id, position, event_created_at)
      select ${group}, id, tenant_id, aggregate_type, aggregate_id, transaction_id, position, created_at from batch
      where ${eventTypeCondition(filter.types)}${filter.tenantId === undefined ? sql`` : sql` and tenant_id = ${filter.tenantId}`}
      on conflict do nothing
    ), last as (
      select transaction_id, position from batch order by transaction_id desc, position desc limit 1
    )
    update ${sql.table(tables.groups)} g set transaction_id = last.transaction_id, position = last.position, updated_at = now()
    from last where g.group_name = ${group}
    returning (select count(*) from batch) as scanned`.execute(db);
  return Number(rows[0]?.scanned ?? 0);
}
