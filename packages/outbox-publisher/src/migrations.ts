import type { EventsDatabase, Executor } from "@org/events";
import { runMigrations } from "@org/events";
import { sql, type Kysely, type Migration } from "kysely";
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
