import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { EventsError } from "../errors.js";

/** Options of {@link createPostgresDatabase}. */
export interface PostgresDatabaseOptions {
  /** A PostgreSQL connection string, e.g. `postgres://user@host:5432/db`. */
  connectionString: string;
  /**
   * Most connections in the pool.
   * @default 10
   */
  max?: number;
  /**
   * How long opening a connection, or waiting for a free one, may take
   * before the query fails: while the database is unreachable, callers get
   * an error within this bound instead of hanging.
   * @default 10000
   */
  connectionTimeoutMillis?: number;
  /**
   * Told about connections that died in the pool (the server restarted,
   * failed over, or ended them with `pg_terminate_backend`; a pooler's idle
   * timeout). The pool drops such a connection and opens a new one on the
   * next query; the query that was running on it fails. Without a listener
   * these errors would be thrown from an event emitter and end the process.
   * @default () => {} (ignored: the failing query reports it)
   */
  onError?: (error: Error) => void;
}

/** {@link PostgresDatabaseOptions} with the defaults merged and every value checked. */
export type ResolvedPostgresDatabaseOptions = Required<PostgresDatabaseOptions>;

/**
 * Merges the defaults of {@link PostgresDatabaseOptions} once and throws
 * `EventsError("invalid_options")` for an empty connection string, a pool
 * size that is not a positive integer, a negative timeout or an `onError`
 * that is not a function.
 */
export function resolvePostgresDatabaseOptions(options: PostgresDatabaseOptions): ResolvedPostgresDatabaseOptions {
  const { connectionString, max = 10, connectionTimeoutMillis = 10_000, onError = () => {} } = options;
  const refuse = (field: string, rule: string, value: unknown) => {
    throw new EventsError("invalid_options", `${field} must be ${rule} (got ${typeof value === "string" ? JSON.stringify(value) : String(value)})`);
  };
  if (typeof connectionString !== "string" || connectionString === "") refuse("connectionString", "a non-empty connection string", connectionString);
  if (!Number.isSafeInteger(max) || max <= 0) refuse("max", "a positive integer", max);
  if (!Number.isSafeInteger(connectionTimeoutMillis) || connectionTimeoutMillis < 0) refuse("connectionTimeoutMillis", "an integer >= 0", connectionTimeoutMillis);
  if (typeof onError !== "function") refuse("onError", "a function", onError);
  return { connectionString, max, connectionTimeoutMillis, onError };
}

/**
 * A Kysely instance on PostgreSQL through `pg` (for production). Close it
 * with `db.destroy()`. Every connection of the pool has an `error` listener,
 * idle or checked out, so a dead connection fails its query only.
 *
 * @example
 * import { createPostgresDatabase } from "@org/events/pg";
 * const { db } = createPostgresDatabase({ connectionString: process.env.DATABASE_URL!, onError: (e) => console.warn(e) });
 * await migrate(db);
 */
export function createPostgresDatabase<DB = any>(options: PostgresDatabaseOptions): { db: Kysely<DB>; pool: pg.Pool } {
  const { connectionString, max, connectionTimeoutMillis, onError } = resolvePostgresDatabaseOptions(options);
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis });
  // Idle connections: the pool removes the client and re-emits its error here.
  pool.on("error", (error) => onError(error));
  // Checked-out connections: pg-pool takes its own listener off while a client is lent out.
  pool.on("connect", (client) => {
    client.on("error", (error) => {
      // The pool's idle listener reports idle errors already; report the lent-out ones.
      if (client.listenerCount("error") === 1) onError(error);
    });
  });
  return { db: new Kysely<DB>({ dialect: new PostgresDialect({ pool }) }), pool };
}
