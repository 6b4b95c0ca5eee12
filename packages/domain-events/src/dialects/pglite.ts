import { PGlite } from "@electric-sql/pglite";
import { Kysely } from "kysely";
import { PGliteDialect } from "kysely-pglite-dialect";

/** Options of {@link createPgliteDatabase}. */
export interface PgliteDatabaseOptions {
  /**
   * Folder that keeps the data; omitted: in memory, gone on close.
   * @default undefined
   */
  dataDir?: string;
}

/**
 * A Kysely instance on embedded PGlite: PostgreSQL in the process, no server
 * to install (the zero-setup default). Connections are serialised: one
 * transaction at a time. Close it with `db.destroy()`.
 *
 * @example
 * import { createPgliteDatabase } from "@org/events/pglite";
 * const { db, pglite } = await createPgliteDatabase({ dataDir: ".data/events" });
 * await migrate(db);
 */
export async function createPgliteDatabase<DB = any>(options: PgliteDatabaseOptions = {}): Promise<{ db: Kysely<DB>; pglite: PGlite }> {
  const pglite = await PGlite.create(options.dataDir);
  return { db: new Kysely<DB>({ dialect: new PGliteDialect(pglite) }), pglite };
}
