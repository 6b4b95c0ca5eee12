import { sql, type Kysely } from "kysely";
import { asyncCommit } from "../async-commit.js";
import { FEED_GROUP, type OutboxTables } from "../tables.js";

/**
 * Marks relayed events `published_at = now()` and forgets their retry state,
 * in one statement, committed without waiting for the WAL flush (a lost
 * mark only relays its events again).
 */
export async function markPublished(db: Kysely<any>, tables: OutboxTables, ids: readonly string[], hadFailures: boolean): Promise<void> {
  if (ids.length === 0) return;
  const list = sql`${[...ids]}::text[]`;
  const update = sql`update ${sql.table(tables.events)} set published_at = now() where id = any(${list}) and published_at is null and ${asyncCommit()}`;
  if (!hadFailures) {
    await update.execute(db);
    return;
  }
  await sql`
    with forgotten as (delete from ${sql.table(tables.deliveries)} where group_name = ${FEED_GROUP} and event_id = any(${list}))
    ${update}`.execute(db);
}
