import type { EventsTable } from "@org/events";
import type { ColumnType, Generated } from "kysely";

type Timestamp = ColumnType<Date, never, never>;

/** A settlement as stored; every field is also carried by its events (INV-S5). */
export interface SettlementsTable {
  id: string;
  tenant_id: string;
  status: string;
  /** Decimal string, kept as text so "125.50" reads back exactly. */
  amount: string;
  currency: string;
  network: string | null;
  payment_id: string | null;
  required_confirmations: number;
  confirmations: number;
  score: number | null;
  reasoning: string | null;
  gas_estimate: string | null;
  gas_actual: string | null;
  tx_hash: string | null;
  error: string | null;
  idempotency_key: string | null;
  /** The aggregate version of the settlement's last event. */
  version: number;
  created_at: Timestamp;
  updated_at: ColumnType<Date, never, Date>;
}

/** A payment as stored. */
export interface PaymentsTable {
  id: string;
  tenant_id: string;
  status: string;
  amount: string;
  currency: string;
  refunded_amount: string;
  version: number;
  created_at: Timestamp;
  updated_at: ColumnType<Date, never, Date>;
}

/** An API key; only its sha256 is kept. */
export interface ApiKeysTable {
  key_hash: string;
  tenant_id: string;
  label: string;
  created_at: Generated<Date>;
  /** After this the key is refused (401); null: it does not expire. */
  expires_at: Date | null;
}

/** The app's database as Kysely sees it. */
export interface Database {
  domain_events: EventsTable;
  settlements: SettlementsTable;
  payments: PaymentsTable;
  api_keys: ApiKeysTable;
}
