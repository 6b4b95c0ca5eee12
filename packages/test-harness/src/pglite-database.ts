import { PGlite } from "@electric-sql/pglite";
import { Kysely } from "kysely";
import { PGliteDialect } from "kysely-pglite-dialect";
import { afterAll, beforeAll } from "vitest";

/**
 * An in-memory PGlite database shared by the tests of one file (PGlite takes
 * seconds to start, so one per file).
 *
 * @example
 * const lite = usePgliteDatabase();
 * test("works embedded", async () => { await migrate(lite.db); });
 */
export function usePgliteDatabase(): { readonly db: Kysely<any>; readonly pglite: PGlite } {
  let pglite: PGlite | undefined;
  let db: Kysely<any> | undefined;
  beforeAll(async () => {
    pglite = await PGlite.create();
    db = new Kysely({ dialect: new PGliteDialect(pglite) });
  });
  afterAll(async () => {
    await db?.destroy();
  });
  return {
    get db() {
      if (!db) throw new Error("usePgliteDatabase(): the database exists only inside tests and hooks");
      return db;
    },
    get pglite() {
      if (!pglite) throw new Error("usePgliteDatabase(): the database exists only inside tests and hooks");
      return pglite;
    },
  };
}
