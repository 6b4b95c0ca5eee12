import { migrate as migrateEvents, runMigrations } from "@org/events";
import { migrate as migrateOutbox } from "@org/outbox-publisher";
import { sql, type Kysely, type Migration } from "kysely";
import { webhookMigrations } from "../webhooks/endpoints.js";
import { sagaMigrations } from "../sagas/refund-failed-settlements.js";

/**
 * The app's own numbered migrations. Never edit a shipped one; add the next.
 * Timestamps default to now(): the transaction's start time, the same value
 * the events written in that transaction get, so the reconstruction can
 * rebuild them exactly.
 */
const apiMigrations: Record<string, Migration> = {
  "0001_settlements_payments_api_keys": {
    async up(db: Kysely<any>) {
      await sql`
        create table settlements (
          id text primary key,
          tenant_id text not null,
          status text not null,
          amount text not null,
          currency text not null,
          network text,
          payment_id text,
          required_confirmations integer not null,
          confirmations integer not null default 0,
          score double precision,
          reasoning text,
          gas_estimate text,
          gas_actual text,
          tx_hash text,
          error text,
          idempotency_key text,
          version integer not null,
          created_at timestamptz not null default now(),
          updated_at timestamptz not null default now()
        )`.execute(db);
      await sql`create unique index settlements_idempotency_key on settlements (tenant_id, idempotency_key) where idempotency_key is not null`.execute(db);
      await sql`create index settlements_tenant_listing on settlements (tenant_id, id desc)`.execute(db);
      await sql`create index settlements_tenant_status on settlements (tenant_id, status, id desc)`.execute(db);
      await sql`
        create table payments (
          id text primary key,
          tenant_id text not null,
          status text not null,
          amount text not null,
          currency text not null,
          refunded_amount text not null default '0',
          version integer not null,
          created_at timestamptz not null default now(),
          updated_at timestamptz not null default now()
        )`.execute(db);
      await sql`
        create table api_keys (
          key_hash text primary key,
          tenant_id text not null,
          label text not null,
          created_at timestamptz not null default now()
        )`.execute(db);
    },
  },
  "0002_api_key_expiry": {
    async up(db: Kysely<any>) {
      // A key past its expires_at is refused like an unknown one; null: it does not expire.
      await sql`alter table api_keys add column expires_at timestamptz`.execute(db);
    },
  },
};

/**
 * Brings the database up to date: the events table (owned by @org/events),
 * the publisher's delivery state, then the app's tables. Safe to run from
 * several processes at once and on every start.
 */
export async function runApiMigrations(db: Kysely<any>): Promise<void> {
  await migrateEvents(db);
  await migrateOutbox(db);
  await runMigrations(db, "api_migrations", apiMigrations);
  await runMigrations(db, "api_webhook_migrations", webhookMigrations);
  await runMigrations(db, "api_saga_migrations", sagaMigrations);
}
