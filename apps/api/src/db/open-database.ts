import { mkdir } from "node:fs/promises";
import type { PGlite } from "@electric-sql/pglite";
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

/** How long a request waits to open (or be lent) a pooled connection before it fails. */
export const DATABASE_CONNECT_TIMEOUT_MS = 2_000;

/** An open database and what it runs on. */
export interface OpenDatabase {
  db: Kysely<Database>;
  /** "postgres" with DATABASE_URL, "pglite" for the embedded default. */
  kind: "postgres" | "pglite";
  /** The embedded instance, when there is one (its LISTEN/NOTIFY wake-ups are in-process). */
  pglite?: PGlite;
}

/**
 * Opens PostgreSQL when a connection string is given, otherwise embedded
 * PGlite kept in `dataDir` (created if missing). Close with `db.destroy()`.
 */
export async function openDatabase(options: { databaseUrl?: string | undefined; dataDir: string }): Promise<OpenDatabase> {
  if (options.databaseUrl) {
    const { createPostgresDatabase } = await import("@org/events/pg");
    const { db } = createPostgresDatabase<Database>({
      connectionString: options.databaseUrl,
      // While the database is unreachable a request fails (503) within this bound instead of waiting for a connection.
      connectionTimeoutMillis: DATABASE_CONNECT_TIMEOUT_MS,
      onError: (error) => console.warn(`database connection lost (the pool replaces it): ${error.message}`),
    });
    return { db, kind: "postgres" };
  }
  await mkdir(options.dataDir, { recursive: true });
  const { createPgliteDatabase } = await import("@org/events/pglite");
  const { db, pglite } = await createPgliteDatabase<Database>({ dataDir: options.dataDir });
  return { db, kind: "pglite", pglite };
}
