import { platformCatalog } from "../catalog/platform-catalog.js";
import { createEventWriter } from "./event-writer.js";

const platformWriter = createEventWriter({ catalog: platformCatalog });

/**
 * `recordEvent`: writes one event of the platform catalog into
 * the `domain_events` table, inside the caller's transaction, and returns
 * its id. For another catalog or table, use {@link createEventWriter}.
 *
 * @example
 * await db.transaction().execute(async (tx) => {
 *   await updateSettlementStatus(tx, settlementId, "confirmed");
 *   await recordEvent(tx, "settlement", settlementId, "settlement.status_changed", {
 *     settlementId, fromStatus: "confirming", toStatus: "confirmed", network: "polygon", confirmations: 30,
 *   });
 * });
 */
export const recordEvent = platformWriter.recordEvent;

/**
 * Writes many platform-catalog events in one statement inside the caller's
 * transaction; returns their ids in input order.
 *
 * @example
 * const ids = await recordEvents(tx, [
 *   { aggregateType: "payment", aggregateId: "pay_1", eventType: "payment.created", payload: { paymentId: "pay_1", amount: "10.00", currency: "USD" } },
 * ]);
 */
export const recordEvents = platformWriter.recordEvents;

/**
 * Writes a state change (an INSERT, UPDATE or DELETE with RETURNING) and
 * its platform-catalog events in one statement, the events only when the
 * state returned a row. See {@link createEventWriter}'s `recordWithState`.
 *
 * @example
 * const { rows: [row] } = await recordWithState(db, db.insertInto("settlements").values(values).returningAll(), [
 *   { aggregateType: "settlement", aggregateId: id, eventType: "settlement.created", payload: { settlementId: id, network: "polygon", amount: "10.00" } },
 * ]);
 */
export const recordWithState = platformWriter.recordWithState;
