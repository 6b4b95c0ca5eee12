import { sql, type Kysely } from "kysely";
import { asyncCommit } from "../async-commit.js";
import type { OutboxTables } from "../tables.js";

/**
 * Deletes the delivery rows of handled events, only where this worker still
 * holds the claim (`locked_by`): a claim lost to another worker stays that
 * worker's. Returns the ids deleted; the others were lost.
 */
export async function completeDeliveries(
  db: Kysely<any>,
  tables: OutboxTables,
  group: string,
  workerId: string,
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await sql<{ event_id: string }>`
    delete from ${sql.table(tables.deliveries)}
    where group_name = ${group} and locked_by = ${workerId} and event_id = any(${[...ids]}::text[]) and ${asyncCommit()}
    returning event_id`.execute(db);
  return new Set(rows.map((row) => row.event_id));
}

/** Gives this worker's claimed but unstarted deliveries back at once, instead of after their lease. */
export async function releaseDeliveries(
  db: Kysely<any>,
  tables: OutboxTables,
  group: string,
  workerId: string,
  ids: readonly string[],
): Promise<void> {
  if (ids.length === 0) return;
  await sql`
    update ${sql.table(tables.deliveries)} set locked_until = null, locked_by = null
    where group_name = ${group} and locked_by = ${workerId} and event_id = any(${[...ids]}::text[])`.execute(db);
}

/**
 * Extends the lease of this worker's claims among `ids` to `now() + leaseMs`.
 * Returns the ids renewed: a claim is renewed for as long as its row is still
 * locked by this worker, even past `locked_until` when nobody took it meanwhile.
 */
export async function renewLeases(
  db: Kysely<any>,
  tables: OutboxTables,
  group: string,
  { workerId, leaseMs }: { workerId: string; leaseMs: number },
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await sql<{ event_id: string }>`
    update ${sql.table(tables.deliveries)} set locked_until = now() + ${leaseMs} * interval '1 millisecond'
    where group_name = ${group} and locked_by = ${workerId} and event_id = any(${[...ids]}::text[])
    returning event_id`.execute(db);
  return new Set(rows.map((row) => row.event_id));
}
