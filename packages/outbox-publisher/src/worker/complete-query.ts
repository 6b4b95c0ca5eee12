import { sql, type Kysely } from "kysely";
import type { OutboxTables } from "../tables.js";

/** Deletes the delivery rows of handled events: the group is done with them. */
export async function completeDeliveries(db: Kysely<any>, tables: OutboxTables, group: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`delete from ${sql.table(tables.deliveries)} where group_name = ${group} and event_id = any(${[...ids]}::text[])`.execute(db);
}

/** Gives claimed but unstarted deliveries back at once, instead of after their lease. */
export async function releaseDeliveries(db: Kysely<any>, tables: OutboxTables, group: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`
    update ${sql.table(tables.deliveries)} set locked_until = null, locked_by = null
    where group_name = ${group} and event_id = any(${[...ids]}::text[])`.execute(db);
}
