import { sql, type Kysely, type Migration, type RawBuilder } from "kysely";

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
    "0002_aggregate_streams": {
      async up(db: Kysely<any>) {
        const streams = sql.table(streamsTableName(table));
        // No writer may append between the backfill and the new trigger.
        await sql`lock table ${sql.table(table)} in exclusive mode`.execute(db);
        await sql`
          create table ${streams} (
            tenant_id text not null,
            aggregate_type text not null,
            aggregate_id text not null,
            last_version integer not null,
            last_transaction_id xid8 not null,
            primary key (tenant_id, aggregate_type, aggregate_id)
          )`.execute(db);
        await sql`
          insert into ${streams} (tenant_id, aggregate_type, aggregate_id, last_version, last_transaction_id)
          select tenant_id, aggregate_type, aggregate_id, max(aggregate_version), max(transaction_id)
          from ${sql.table(table)} group by tenant_id, aggregate_type, aggregate_id`.execute(db);
        const index = (suffix: string) => sql.id(`${table}_${suffix}`);
        await sql`drop index ${index("aggregate_version_key")}`.execute(db);
        await sql`create unique index ${index("stream_version_key")} on ${sql.table(table)} (tenant_id, aggregate_type, aggregate_id, aggregate_version)`.execute(db);
        await replaceVersionFunction(db, table, streamVersionBody(table));
      },
      async down(db: Kysely<any>) {
        const index = (suffix: string) => sql.id(`${table}_${suffix}`);
        await replaceVersionFunction(db, table, lookupVersionBody(table));
        await sql`drop index ${index("stream_version_key")}`.execute(db);
        await sql`create unique index ${index("aggregate_version_key")} on ${sql.table(table)} (aggregate_type, aggregate_id, aggregate_version)`.execute(db);
        await sql`drop table ${sql.table(streamsTableName(table))}`.execute(db);
      },
    },
    "0003_log_low_water": {
      async up(db: Kysely<any>) {
        // One row once retention has deleted a prefix of the log: the last deleted event's place.
        await sql`
          create table ${sql.table(lowWaterTableName(table))} (
            singleton boolean primary key default true check (singleton),
            transaction_id xid8 not null,
            position bigint not null,
            updated_at timestamptz not null default now()
          )`.execute(db);
      },
      async down(db: Kysely<any>) {
        await sql`drop table ${sql.table(lowWaterTableName(table))}`.execute(db);
      },
    },
  };
}

/**
 * The table of the log's low-water checkpoint beside an events table: every
 * event at or before it has been deleted by retention.
 */
export function lowWaterTableName(table: string): string {
  return `${table}_low_water`;
}

/** The table of one row per aggregate stream beside an events table. */
export function streamsTableName(table: string): string {
  return `${table}_streams`;
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
  await replaceVersionFunction(db, table, lookupVersionBody(table));
  const fn = sql.id(`${table}_assign_version`);
  await sql`create trigger ${sql.id(`${table}_assign_version`)} before insert on ${sql.table(table)} for each row execute function ${fn}()`.execute(db);
}

async function replaceVersionFunction(db: Kysely<any>, table: string, body: RawBuilder<unknown>): Promise<void> {
  await sql`
    create or replace function ${sql.id(`${table}_assign_version`)}() returns trigger language plpgsql
    set enable_seqscan = off
    as $$ ${body} $$`.execute(db);
}

/** The first migration's version function: the next version after the aggregate's last event. */
function lookupVersionBody(table: string): RawBuilder<unknown> {
  return sql`
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
    end`;
}

/**
 * The version function since 0002: one upsert of the aggregate's stream row
 * (tenant, type, id) both assigns the next version and refuses an append
 * from a transaction older than the stream's last writer, whose event would
 * otherwise be read (in `(transaction_id, position)` order) before the
 * version it follows. The row lock it takes queues concurrent appends of
 * one aggregate until the earlier writer ends; an append that finds a newer
 * writer (committed meanwhile) raises the version conflict, and the caller
 * retries in a fresh transaction, which has a newer id.
 *
 * An event whose idempotency key was already written is skipped here
 * (returning null), before it takes a version: writers of one key queue on
 * a transaction advisory lock of (table, tenant, key) until the first ends.
 */
function streamVersionBody(table: string): RawBuilder<unknown> {
  const streams = sql.table(streamsTableName(table));
  return sql`
    declare
      next_version integer;
      stream record;
    begin
      if new.idempotency_key is not null then
        perform pg_advisory_xact_lock(hashtext(${sql.lit(table)}), hashtext(new.tenant_id || chr(1) || new.idempotency_key));
        if exists (select 1 from ${sql.table(table)} e where e.tenant_id = new.tenant_id and e.idempotency_key = new.idempotency_key) then
          return null;
        end if;
      end if;
      insert into ${streams} as s (tenant_id, aggregate_type, aggregate_id, last_version, last_transaction_id)
      values (new.tenant_id, new.aggregate_type, new.aggregate_id, 1, new.transaction_id)
      on conflict (tenant_id, aggregate_type, aggregate_id) do update
        set last_version = s.last_version + 1, last_transaction_id = excluded.last_transaction_id
        where s.last_transaction_id <= excluded.last_transaction_id
          and (new.aggregate_version is null or s.last_version = new.aggregate_version - 1)
      returning s.last_version into next_version;
      if next_version is not null and (new.aggregate_version is null or next_version = new.aggregate_version) then
        new.aggregate_version := next_version;
        return new;
      end if;
      if next_version is not null then
        raise exception 'aggregate % % of tenant % is at version 0, not %', new.aggregate_type, new.aggregate_id, new.tenant_id, new.aggregate_version - 1
          using errcode = '${sql.raw(VERSION_CONFLICT_SQLSTATE)}';
      end if;
      select s.last_version, s.last_transaction_id into stream from ${streams} s
       where s.tenant_id = new.tenant_id and s.aggregate_type = new.aggregate_type and s.aggregate_id = new.aggregate_id;
      if stream.last_transaction_id > new.transaction_id then
        raise exception 'aggregate % % of tenant % was appended to by a newer transaction (at version %): retry in a new transaction',
          new.aggregate_type, new.aggregate_id, new.tenant_id, stream.last_version
          using errcode = '${sql.raw(VERSION_CONFLICT_SQLSTATE)}';
      end if;
      raise exception 'aggregate % % of tenant % is at version %, not %', new.aggregate_type, new.aggregate_id, new.tenant_id,
        stream.last_version, new.aggregate_version - 1
        using errcode = '${sql.raw(VERSION_CONFLICT_SQLSTATE)}';
    end`;
}
