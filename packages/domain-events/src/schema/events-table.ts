import type { ColumnType, Generated, Kysely, Transaction } from "kysely";
import { EventsError } from "../errors.js";

/** The default name of the events table (`domain_events`). */
export const DEFAULT_EVENTS_TABLE = "domain_events";

/**
 * The events table as Kysely sees it. Add it to your database type under its
 * table name (`domain_events` by default) to query it with types.
 *
 * @example
 * interface Database { domain_events: EventsTable; settlements: SettlementsTable }
 */
export interface EventsTable {
  position: ColumnType<string | number, never, never>;
  id: string;
  transaction_id: ColumnType<string, never, never>;
  tenant_id: Generated<string>;
  aggregate_type: string;
  aggregate_id: string;
  aggregate_version: number;
  event_type: string;
  schema_version: Generated<number>;
  payload: ColumnType<Record<string, unknown>, string, string>;
  metadata: ColumnType<Record<string, unknown>, string | undefined, string>;
  idempotency_key: string | null;
  created_at: ColumnType<Date, never, never>;
  published_at: ColumnType<Date | null, never, Date | null>;
}

/** Options shared by everything that touches the events table. */
export interface EventsTableOptions<T extends string = string> {
  /**
   * Name of the events table.
   * @default "domain_events"
   */
  tableName?: T;
}

/**
 * What the libraries need of the caller's database type: the events table
 * under its name `T`. Entry points take `Kysely<DB>` (or a `Transaction<DB>`)
 * for any `DB` that includes it, so a typo in `tableName`, or a database type
 * without the table, is a compile error. `Kysely<any>` is taken as it is.
 *
 * @example
 * interface Database extends EventsDatabase { settlements: SettlementsTable }
 * createEventStore(db);                               // db: Kysely<Database>
 * createEventStore(db, { tableName: "domain_evnts" }); // compile error
 */
export type EventsDatabase<T extends string = typeof DEFAULT_EVENTS_TABLE> = { [K in T]: EventsTable };

/** The caller's database or transaction: a Kysely instance of any database type `DB`. */
export type Executor<DB = any> = Kysely<DB> | Transaction<DB>;

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,49}$/;

/**
 * Checks a table name once, where options are merged: names go into SQL as
 * identifiers and into index names, so only plain lower-case names pass.
 */
export function resolveTableName(options: EventsTableOptions | undefined): string {
  const tableName = options?.tableName ?? DEFAULT_EVENTS_TABLE;
  if (!IDENTIFIER.test(tableName)) {
    throw new EventsError("invalid_options", `tableName must match ${IDENTIFIER} (got "${tableName}")`);
  }
  return tableName;
}
