import { Migrator, type Kysely, type Migration } from "kysely";
import { resolveTableName, type EventsDatabase, type EventsTableOptions, type Executor } from "./events-table.js";
import { eventsMigrations } from "./migrations.js";

/**
 * Runs a set of named migrations under Kysely's Migrator, which takes a
 * transaction-scoped advisory lock: several processes may call it at once,
 * and each migration runs exactly once. Throws the first migration error.
 *
 * @example
 * await runMigrations(db, "outbox_migrations", outboxMigrations("domain_events"));
 */
export async function runMigrations(
  db: Kysely<any>,
  migrationTableName: string,
  migrations: Record<string, Migration>,
): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName,
    migrationLockTableName: `${migrationTableName}_lock`,
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) throw error;
  return results.filter((result) => result.status === "Success").map((result) => result.migrationName);
}

/**
 * Creates or updates the events table and its indexes. Safe to call from
 * several processes at once and on every start; returns the names of the
 * migrations it applied.
 *
 * @example
 * import { migrate } from "@org/events";
 * await migrate(db);                               // table "domain_events"
 * await migrate(db, { tableName: "audit_events" }); // a table of your own
 */
export async function migrate<DB extends EventsDatabase<T>, T extends string = "domain_events">(
  database: Executor<DB>,
  options?: EventsTableOptions<T>,
): Promise<string[]> {
  const db: Kysely<any> = database;
  const table = resolveTableName(options);
  return runMigrations(db, `${table}_migrations`, eventsMigrations(table));
}
