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
}

/**
 * A Kysely instance on PostgreSQL through `pg` (for production). Close it
 * with `db.destroy()`. A connection that dies while checked out (e.g. the
 * outbox relay's lock connection, when the server ends its session) fails
 * its queries instead of crashing the process: bring your own pool, and add
 * `pool.on("connect", (c) => c.on("error", …))` yourself.
 *
 * @example
 * import { createPostgresDatabase } from "@org/events/pg";
 * const { db } = createPostgresDatabase({ connectionString: process.env.DATABASE_URL! });
 * await migrate(db);
 */
export function createPostgresDatabase<DB = any>(options: PostgresDatabaseOptions): { db: Kysely<DB>; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.max ?? 10 });
  // A connection that dies while checked out (the server ended its session, a restart) emits `error`
  // on its client; without a listener that is an uncaught exception. Its queries fail with the error
  // anyway, and the pool drops it when it is released; an idle one the pool handles itself.
  pool.on("connect", (client) => void client.on("error", () => {}));
  pool.on("error", () => {});
  return { db: new Kysely<DB>({ dialect: new PostgresDialect({ pool }) }), pool };
}
