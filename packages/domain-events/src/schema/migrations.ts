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
      },
      async down(db: Kysely<any>) {
        await sql`drop table ${sql.table(table)}`.execute(db);
      },
    },
  };
}
