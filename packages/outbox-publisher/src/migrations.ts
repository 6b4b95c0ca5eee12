import type { EventsDatabase, Executor } from "@org/events";
import { runMigrations } from "@org/events";
import { sql, type Kysely, type Migration } from "kysely";
import { claimFunction, createClaimFunction } from "./sql-functions/claim-function.js";
import { createFeedReadFunction, feedReadFunction } from "./sql-functions/feed-read-function.js";
import { createFillFunction, fillFunction } from "./sql-functions/fill-function.js";
import { resolveTables, type OutboxTableOptions, type OutboxTables } from "./tables.js";

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
