import { sql, type Kysely, type Selectable } from "kysely";
import type { Database, SettlementsTable } from "../db/schema.js";
import type { Settlement, SettlementStatus } from "./settlement.js";

/** The one place a row becomes a Settlement (drivers differ on numbers and dates). */
export function toSettlement(row: Selectable<SettlementsTable>): Settlement {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    status: row.status as SettlementStatus,
    amount: row.amount,
    currency: row.currency,
    network: row.network,
    paymentId: row.payment_id,
    requiredConfirmations: Number(row.required_confirmations),
    confirmations: Number(row.confirmations),
    score: row.score === null ? null : Number(row.score),
    reasoning: row.reasoning,
    gasEstimate: row.gas_estimate,
    gasActual: row.gas_actual,
    txHash: row.tx_hash,
    error: row.error,
    version: Number(row.version),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/** One tenant's settlement, or undefined; `forUpdate` locks the row until the transaction ends. */
export async function findSettlement(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<Settlement | undefined> {
  let query = db.selectFrom("settlements").selectAll().where("tenant_id", "=", tenantId).where("id", "=", id);
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toSettlement(row) : undefined;
}

/** Writes every field a command may change and returns the saved row; updated_at takes the transaction's now(), like its events. */
export async function saveSettlement(db: Kysely<Database>, settlement: Settlement): Promise<Settlement> {
  const row = await db
    .updateTable("settlements")
    .set({
      status: settlement.status,
      network: settlement.network,
      confirmations: settlement.confirmations,
      score: settlement.score,
      reasoning: settlement.reasoning,
      gas_estimate: settlement.gasEstimate,
      gas_actual: settlement.gasActual,
      tx_hash: settlement.txHash,
      error: settlement.error,
      version: settlement.version,
      updated_at: sql<Date>`now()`,
    })
    .where("tenant_id", "=", settlement.tenantId)
    .where("id", "=", settlement.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSettlement(row);
}

/** A page of one tenant's settlements, newest first. */
export interface SettlementPage {
  settlements: Settlement[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

/** Lists a tenant's settlements, newest first, by keyset on the id (ULIDs sort by time). */
export async function listSettlements(
  db: Kysely<Database>,
  tenantId: string,
  options: { status?: SettlementStatus | undefined; cursor?: string | undefined; limit: number },
): Promise<SettlementPage> {
  let query = db.selectFrom("settlements").selectAll().where("tenant_id", "=", tenantId);
  if (options.status) query = query.where("status", "=", options.status);
  if (options.cursor) query = query.where("id", "<", options.cursor);
  const rows = await query.orderBy("id", "desc").limit(options.limit + 1).execute();
  const settlements = rows.slice(0, options.limit).map(toSettlement);
  const nextCursor = rows.length > options.limit ? (settlements.at(-1)?.id ?? null) : null;
  return { settlements, nextCursor };
}
