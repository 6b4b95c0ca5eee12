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
 * with `db.destroy()`.
 *
 * @example
 * import { createPostgresDatabase } from "@org/events/pg";
 * const { db } = createPostgresDatabase({ connectionString: process.env.DATABASE_URL! });
 * await migrate(db);
 */
export function createPostgresDatabase<DB = any>(options: PostgresDatabaseOptions): { db: Kysely<DB>; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.max ?? 10 });
  return { db: new Kysely<DB>({ dialect: new PostgresDialect({ pool }) }), pool };
}
