import type { EventsDatabase, Executor } from "@org/events";
import { commitSafeHorizon, runMigrations } from "@org/events";
import { sql, type Kysely, type Migration } from "kysely";
import { FEED_GROUP, resolveTables, type OutboxTableOptions, type OutboxTables } from "./tables.js";

/**
 * The numbered migrations of the outbox's own tables. Never edit a shipped
 * migration; add the next one.
 */
export function outboxMigrations(tables: OutboxTables): Record<string, Migration> {
  const d = sql.table(tables.deliveries);
  const g = sql.table(tables.groups);
  const index = (suffix: string) => sql.id(`${tables.deliveries}_${suffix}`);
  return {
    "0001_create_deliveries": {
      async up(db: Kysely<any>) {
        // A row exists only while an event still needs delivering to a group
        // (or the feed has failed it): completion deletes it, so the table
        // stays as small as the backlog.
        await sql`
          create table ${d} (
            group_name text not null,
            event_id text not null,
            aggregate_type text not null,
            aggregate_id text not null,
            transaction_id xid8 not null,
            position bigint not null,
            event_created_at timestamptz not null,
            status text not null default 'pending' check (status in ('pending', 'dead')),
            attempts integer not null default 0,
            last_error text,
            last_attempt_at timestamptz,
            next_attempt_at timestamptz not null default now(),
            locked_until timestamptz,
            locked_by text,
            dead_lettered_at timestamptz,
            primary key (group_name, event_id)
          )`.execute(db);
        await sql`create index ${index("claim_order")} on ${d} (group_name, transaction_id, position) where status = 'pending'`.execute(db);
        await sql`create index ${index("aggregate_order")} on ${d} (group_name, aggregate_type, aggregate_id, transaction_id, position)`.execute(db);
        await sql`create index ${index("dead")} on ${d} (group_name, dead_lettered_at) where status = 'dead'`.execute(db);
        await sql`create index ${index("event_id")} on ${d} (event_id)`.execute(db);
        await sql`
          create table ${g} (
            group_name text primary key,
            transaction_id xid8 not null,
            position bigint not null,
            updated_at timestamptz not null default now()
          )`.execute(db);
      },
      async down(db: Kysely<any>) {
        await sql`drop table ${g}`.execute(db);
        await sql`drop table ${d}`.execute(db);
      },
    },
    // The tenant is part of an aggregate's identity: two tenants' aggregates
    // of one id are ordered (and held back by a failing head) separately.
    "0002_deliveries_tenant": {
      async up(db: Kysely<any>) {
        await sql`alter table ${d} add column tenant_id text not null default 'default'`.execute(db);
        await sql`update ${d} x set tenant_id = e.tenant_id from ${sql.table(tables.events)} e where e.id = x.event_id and e.tenant_id <> 'default'`.execute(db);
        await sql`drop index ${index("aggregate_order")}`.execute(db);
        await sql`create index ${index("aggregate_order")} on ${d} (group_name, tenant_id, aggregate_type, aggregate_id, transaction_id, position)`.execute(db);
      },
      async down(db: Kysely<any>) {
        await sql`drop index ${index("aggregate_order")}`.execute(db);
        await sql`create index ${index("aggregate_order")} on ${d} (group_name, aggregate_type, aggregate_id, transaction_id, position)`.execute(db);
        await sql`alter table ${d} drop column tenant_id`.execute(db);
      },
    },
    // A feed dead letter that is discarded stays as a 'skipped' row, so that a replay can leave out what live
    // consumers never got (skippedByFeed); retention removes it with its event.
    "0003_feed_skipped": {
      async up(db: Kysely<any>) {
        const check = sql.id(`${tables.deliveries}_status_check`);
        await sql`alter table ${d} drop constraint ${check}, add constraint ${check} check (status in ('pending', 'dead', 'skipped'))`.execute(db);
      },
      async down(db: Kysely<any>) {
        const check = sql.id(`${tables.deliveries}_status_check`);
        await sql`delete from ${d} where status = 'skipped'`.execute(db);
        await sql`alter table ${d} drop constraint ${check}, add constraint ${check} check (status in ('pending', 'dead'))`.execute(db);
      },
    },
    // The fill (and its claim) as a function: PL/pgSQL caches the plan of its statement, which
    // sent as SQL took 0.6-1.1 ms to plan on every call against 0.2-0.5 ms to run.
    "0004_fill_function": {
      async up(db: Kysely<any>) {
        await createFillFunction(db, tables, "jsonb");
      },
      async down(db: Kysely<any>) {
        await sql`drop function ${fillFunction(tables)}(text, integer, text[], text[], text, integer, integer, text, text[])`.execute(db);
      },
    },
    "0005_feed_read_function": {
      async up(db: Kysely<any>) {
        await createFeedReadFunction(db, tables);
      },
      async down(db: Kysely<any>) {
        await sql`drop function ${feedReadFunction(tables)}(integer, xid8, bigint)`.execute(db);
      },
    },
    // The claimed events as json, not jsonb: building jsonb took about a
    // quarter of a fill of 1,000 events, and the client parses either.
    "0006_fill_returns_json": {
      async up(db: Kysely<any>) {
        await sql`drop function ${fillFunction(tables)}(text, integer, text[], text[], text, integer, integer, text, text[])`.execute(db);
        await createFillFunction(db, tables, "json");
      },
      async down(db: Kysely<any>) {
        await sql`drop function ${fillFunction(tables)}(text, integer, text[], text[], text, integer, integer, text, text[])`.execute(db);
        await createFillFunction(db, tables, "jsonb");
      },
    },
    "0007_claim_function": {
      async up(db: Kysely<any>) {
        await createClaimFunction(db, tables);
      },
      async down(db: Kysely<any>) {
        await sql`drop function ${claimFunction(tables)}(text, integer, integer, text)`.execute(db);
      },
    },
  };
}

/** The function that reads the ordered feed's next events (see `readUnpublished`). */
export const feedReadFunction = (tables: OutboxTables) => sql.id(`${tables.deliveries}_feed_read`);

/**
 * The next `p_limit` unpublished events after `(p_after_tx, p_after_pos)`
 * in commit-safe order, each as the JSON of its row (json: cheaper to build
 * than jsonb, and parsed the same by the client) with the feed's failed
 * attempts and the milliseconds until its retry is due. A function, so
 * PostgreSQL plans its query once per connection, not on every read.
 */
async function createFeedReadFunction(db: Kysely<any>, tables: OutboxTables): Promise<void> {
  const d = sql.table(tables.deliveries);
  await sql`
    create or replace function ${feedReadFunction(tables)}(p_limit integer, p_after_tx xid8, p_after_pos bigint)
    returns table (out_event json, out_attempts integer, out_due_in_ms bigint)
    language plpgsql as $$
    begin
      return query
      select row_to_json(e), coalesce(f.attempts, 0),
        coalesce(greatest(0, ceil(extract(epoch from (f.next_attempt_at - clock_timestamp())) * 1000))::bigint, 0)
      from ${sql.table(tables.events)} e
      left join ${d} f on f.group_name = ${sql.lit(FEED_GROUP)} and f.event_id = e.id
      where e.published_at is null
        and e.transaction_id < ${commitSafeHorizon()}
        and (e.transaction_id, e.position) > (p_after_tx, p_after_pos)
        -- an anti join, not a filter on the left join: a filter made the planner expect a few rows and
        -- sort the whole backlog for every batch (36 ms per read of 500 with 49,500 waiting)
        and not exists (select 1 from ${d} x where x.group_name = ${sql.lit(FEED_GROUP)} and x.event_id = e.id and x.status <> 'pending')
      order by e.transaction_id, e.position
      limit p_limit;
    end $$`.execute(db);
}

/** The function that fills a worker group (see `fillDeliveries`). */
export const fillFunction = (tables: OutboxTables) => sql.id(`${tables.deliveries}_fill`);

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
async function createClaimFunction(db: Kysely<any>, tables: OutboxTables): Promise<void> {
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
async function createFillFunction(db: Kysely<any>, tables: OutboxTables, claimedAs: "json" | "jsonb"): Promise<void> {
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

/**
 * Creates or updates the tables the outbox owns (delivery state, worker
 * group checkpoints, dead letters) beside the events table. Run `migrate`
 * of `@org/events` first. Safe from several processes at once; returns the
 * names of the migrations it applied.
 *
 * @example
 * import { migrate as migrateEvents } from "@org/events";
 * import { migrate } from "@org/outbox-publisher";
 * await migrateEvents(db);
 * await migrate(db);
 */
export async function migrate<DB extends EventsDatabase<T>, T extends string = "domain_events">(database: Executor<DB>, options?: OutboxTableOptions<T>): Promise<string[]> {
  const db: Kysely<any> = database;
  const tables = resolveTables(options);
  return runMigrations(db, tables.migrations, outboxMigrations(tables));
}
