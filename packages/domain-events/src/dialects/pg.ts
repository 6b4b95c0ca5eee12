import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";

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
  const onError = options.onError ?? (() => {});
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
  });
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
