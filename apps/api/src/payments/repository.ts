import { sql, type Kysely, type Selectable } from "kysely";
import type { Database, PaymentsTable } from "../db/schema.js";
import type { Payment, PaymentStatus } from "./payment.js";

/** The one place a row becomes a Payment. */
export function toPayment(row: Selectable<PaymentsTable>): Payment {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    status: row.status as PaymentStatus,
    amount: row.amount,
    currency: row.currency,
    refundedAmount: row.refunded_amount,
    version: Number(row.version),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/** One tenant's payment, or undefined; `forUpdate` locks the row until the transaction ends. */
export async function findPayment(db: Kysely<Database>, tenantId: string, id: string, options: { forUpdate?: boolean } = {}) {
  let query = db.selectFrom("payments").selectAll().where("tenant_id", "=", tenantId).where("id", "=", id);
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toPayment(row) : undefined;
}

/** Saves a command's changes and returns the saved row. */
export async function savePayment(db: Kysely<Database>, payment: Payment): Promise<Payment> {
  const row = await db
    .updateTable("payments")
    .set({ status: payment.status, refunded_amount: payment.refundedAmount, version: payment.version, updated_at: sql<Date>`now()` })
    .where("tenant_id", "=", payment.tenantId)
    .where("id", "=", payment.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toPayment(row);
}
