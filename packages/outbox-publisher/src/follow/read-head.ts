import { commitSafeHorizon, type Checkpoint } from "@org/events";
import { sql, type Kysely } from "kysely";
import type { OutboxTables } from "../tables.js";

/**
 * The place of the last event a commit-safe reader can see now, or null
 * when there is none: a follower that starts here delivers exactly what
 * commits from now on.
 */
export async function readHead(db: Kysely<any>, tables: OutboxTables): Promise<Checkpoint | null> {
  const { rows } = await sql<{ transaction_id: string | number; position: string | number }>`
    select transaction_id, position from ${sql.table(tables.events)}
    where transaction_id < ${commitSafeHorizon()}
    order by transaction_id desc, position desc
    limit 1`.execute(db);
  const row = rows[0];
  return row ? { transactionId: String(row.transaction_id), position: Number(row.position) } : null;
}

/** Orders two places in the log: negative when `a` comes first. */
export function compareCheckpoints(a: Checkpoint, b: Checkpoint): number {
  const byTransaction = BigInt(a.transactionId) - BigInt(b.transactionId);
  if (byTransaction !== 0n) return byTransaction < 0n ? -1 : 1;
  return a.position - b.position;
}
