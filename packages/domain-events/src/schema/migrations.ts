import { sql, type Kysely, type Migration } from "kysely";

/**
 * The numbered migrations of the events table. Names are stable: never edit
 * a shipped migration, add the next one.
 */
export function eventsMigrations(table: string): Record<string, Migration> {
  return {
    "0001_create_events_table": {
      async up(db: Kysely<any>) {
        await sql`
          create table ${sql.table(table)} (
            position bigint generated always as identity,
            id text primary key,
            transaction_id xid8 not null default pg_current_xact_id(),
            tenant_id text not null default 'default',
            aggregate_type text not null,
            aggregate_id text not null,
            aggregate_version integer not null,
            event_type text not null,
            schema_version integer not null default 1,
            payload jsonb not null,
            metadata jsonb not null default '{}'::jsonb,
            idempotency_key text,
            created_at timestamptz not null default now(),
            published_at timestamptz
          )`.execute(db);
        const index = (suffix: string) => sql.id(`${table}_${suffix}`);
        await sql`create unique index ${index("aggregate_version_key")} on ${sql.table(table)} (aggregate_type, aggregate_id, aggregate_version)`.execute(db);
        await sql`create unique index ${index("idempotency_key")} on ${sql.table(table)} (tenant_id, idempotency_key) where idempotency_key is not null`.execute(db);
        // The commit-safe read order, and the same order restricted to what the feed has not yet relayed.
        await sql`create index ${index("commit_order")} on ${sql.table(table)} (transaction_id, position)`.execute(db);
        await sql`create index ${index("unpublished")} on ${sql.table(table)} (transaction_id, position) where published_at is null`.execute(db);
        await sql`create index ${index("event_type")} on ${sql.table(table)} (event_type, transaction_id, position)`.execute(db);
        await sql`create index ${index("created_at")} on ${sql.table(table)} (created_at)`.execute(db);
        await createVersionTrigger(db, table);
      },
      async down(db: Kysely<any>) {
        await sql`drop table ${sql.table(table)}`.execute(db);
        await sql`drop function ${sql.id(`${table}_assign_version`)}()`.execute(db);
      },
    },
  };
}

/** SQLSTATE raised when an explicit aggregate version does not follow the aggregate's last one. */
export const VERSION_CONFLICT_SQLSTATE = "EV409";

/**
 * Assigns `aggregate_version` in the database: the next version when the
 * insert leaves it null, and a check that an explicit one (from
 * expectedVersion) follows the last. A trigger, because PL/pgSQL caches the
 * plan of its lookup: the same subquery inline in every INSERT is planned on
 * every call and cost about three times as much (bench/record-event.ts).
 * Rows inserted earlier by the same statement are visible here, so a batch
 * of one aggregate gets consecutive versions. `enable_seqscan = off` keeps
 * a cached generic plan on the index: made while the table was analyzed
 * empty, it would otherwise scan the whole table for every insert from then
 * on (seen: 2.9 ms instead of 0.6 ms per event, and minutes for a batch).
 */
async function createVersionTrigger(db: Kysely<any>, table: string): Promise<void> {
  const fn = sql.id(`${table}_assign_version`);
  await sql`
    create function ${fn}() returns trigger language plpgsql
    set enable_seqscan = off
    as $$
    declare
      last_version integer;
    begin
      select e.aggregate_version into last_version from ${sql.table(table)} e
       where e.aggregate_type = new.aggregate_type and e.aggregate_id = new.aggregate_id
       order by e.aggregate_version desc limit 1;
      if new.aggregate_version is null then
        new.aggregate_version := coalesce(last_version, 0) + 1;
      elsif new.aggregate_version <> coalesce(last_version, 0) + 1 then
        raise exception 'aggregate % % is at version %, not %', new.aggregate_type, new.aggregate_id, coalesce(last_version, 0), new.aggregate_version - 1
          using errcode = '${sql.raw(VERSION_CONFLICT_SQLSTATE)}';
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger ${sql.id(`${table}_assign_version`)} before insert on ${sql.table(table)} for each row execute function ${fn}()`.execute(db);
}
