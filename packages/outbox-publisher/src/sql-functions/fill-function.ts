import { commitSafeHorizon } from "@org/events";
import { sql, type Kysely } from "kysely";
import type { OutboxTables } from "../tables.js";

/** The function that fills a worker group (see `fillDeliveries`). */
export const fillFunction = (tables: OutboxTables) => sql.id(`${tables.deliveries}_fill`);

/**
 * First deletes the deliveries `p_done` that `p_worker` handled and still
 * holds (returned in `out_done`: the others were lost), in a statement of
 * its own, so the fill's snapshot sees their aggregates free. Then moves
 * up to `p_limit` events past the group's checkpoint into its
 * delivery rows, advances the checkpoint, and claims up to `p_claim_limit`
 * of the new deliveries for `p_worker`: those of aggregates with nothing
 * queued, when the statement's snapshot saw every queued row (the group
 * row's version it locked is the one its snapshot sees: no other fill or
 * replay committed in between). Types: all when `p_exact` is null, else
 * the exact names and the prefixes (`payment.` for `payment.*`). Commits
 * without waiting for the WAL flush (a lost fill is filled again).
 */
export async function createFillFunction(db: Kysely<any>, tables: OutboxTables, claimedAs: "json" | "jsonb"): Promise<void> {
  const d = sql.table(tables.deliveries);
  const g = sql.table(tables.groups);
  await sql`
    create or replace function ${fillFunction(tables)}(
      p_group text, p_limit integer, p_exact text[], p_prefixes text[], p_tenant text, p_claim_limit integer, p_lease_ms integer, p_worker text, p_done text[])
    returns table (out_scanned bigint, out_queue_has_due boolean, out_claimed ${sql.raw(claimedAs)}, out_done text[])
    language plpgsql as $$
    #variable_conflict use_column
    declare
      v_done text[] := '{}';
    begin
      perform set_config('synchronous_commit', 'off', true);
      if cardinality(p_done) > 0 then
        with deleted as (
          delete from ${d} where group_name = p_group and locked_by = p_worker and event_id = any(p_done) returning event_id
        ) select coalesce(array_agg(event_id), '{}') into v_done from deleted;
      end if;
      return query
      with grp as (
        select l.transaction_id, l.position, l.xmin = (select s.xmin from ${g} s where s.group_name = p_group) as seen_whole
        from ${g} l where l.group_name = p_group for update skip locked
      ), batch as (
        select e.* from grp cross join lateral (
          select * from ${sql.table(tables.events)} e
          where (e.transaction_id, e.position) > (grp.transaction_id, grp.position)
            and e.transaction_id < ${commitSafeHorizon()}
          order by e.transaction_id, e.position
          limit p_limit
        ) e
      ), matching as (
        select * from batch b
        where (p_exact is null or b.event_type = any(p_exact) or exists (select 1 from unnest(p_prefixes) p where starts_with(b.event_type, p)))
          and (p_tenant is null or b.tenant_id = p_tenant)
      ), claimable as (
        select m.id from matching m, grp
        where grp.seen_whole and not exists (
          select 1 from ${d} q
          where q.group_name = p_group and q.tenant_id = m.tenant_id and q.aggregate_type = m.aggregate_type and q.aggregate_id = m.aggregate_id)
        order by m.transaction_id, m.position
        limit p_claim_limit
      ), inserted as (
        insert into ${d} (group_name, event_id, tenant_id, aggregate_type, aggregate_id, transaction_id, position, event_created_at, locked_until, locked_by)
        select p_group, m.id, m.tenant_id, m.aggregate_type, m.aggregate_id, m.transaction_id, m.position, m.created_at,
          case when c.id is null then null else now() + p_lease_ms * interval '1 millisecond' end,
          case when c.id is null then null else p_worker end
        from matching m left join claimable c on c.id = m.id
        on conflict do nothing
        returning event_id, locked_by is not null as is_claimed
      ), last as (
        select transaction_id, position from batch order by transaction_id desc, position desc limit 1
      ), moved as (
        update ${g} u set transaction_id = last.transaction_id, position = last.position, updated_at = now()
        from last where u.group_name = p_group
      )
      select (select count(*) from batch),
        exists (select 1 from inserted i where not i.is_claimed) or exists (
          select 1 from ${d} q where q.group_name = p_group and q.status = 'pending' and q.next_attempt_at <= now()
            and (q.locked_until is null or q.locked_until < now())),
        (select ${
          claimedAs === "json"
            ? sql`coalesce(json_agg(b order by b.transaction_id, b.position), '[]'::json)`
            : sql`coalesce(jsonb_agg(to_jsonb(b) order by b.transaction_id, b.position), '[]'::jsonb)`
        }
         from batch b join inserted i on i.event_id = b.id and i.is_claimed),
        v_done;
    end $$`.execute(db);
}
