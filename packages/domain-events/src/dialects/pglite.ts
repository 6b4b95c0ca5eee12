import { PGlite } from "@electric-sql/pglite";
import { Kysely } from "kysely";
import { PGliteDialect } from "kysely-pglite-dialect";
import { EventsError } from "../errors.js";

/** Options of {@link createPgliteDatabase}. */
export interface PgliteDatabaseOptions {
  /**
   * Folder that keeps the data; omitted: in memory, gone on close.
   * @default undefined
   */
  dataDir?: string;
}

/**
 * Merges the defaults of {@link PgliteDatabaseOptions} once and throws
 * `EventsError("invalid_options")` for a data folder that is not a
 * non-empty string.
 */
export function resolvePgliteDatabaseOptions(options: PgliteDatabaseOptions = {}): PgliteDatabaseOptions {
  const { dataDir } = options;
  if (dataDir !== undefined && (typeof dataDir !== "string" || dataDir === "")) {
    throw new EventsError("invalid_options", `dataDir must be a non-empty folder path or left out (got ${JSON.stringify(dataDir)})`);
  }
  return { dataDir };
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
  const { dataDir } = resolvePgliteDatabaseOptions(options);
  const pglite = await PGlite.create(dataDir);
  return { db: new Kysely<DB>({ dialect: new PGliteDialect(pglite) }), pglite };
}
