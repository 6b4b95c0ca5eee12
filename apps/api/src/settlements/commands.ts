import { generateId, recordEvents, recordWithState } from "@org/events";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import { AppError, notFound } from "../errors.js";
import { inSpan, traceMetadata } from "../tracing/trace-context.js";
import { findSettlement, saveSettlement, toSettlement } from "./repository.js";
import type { NewSettlement, Settlement, SettlementCommand, SettlementEvent } from "./settlement.js";
import { creationEvents, decide } from "./state-machine.js";

/** Dependencies of the settlement commands. */
export interface SettlementCommandDeps {
  db: Kysely<Database>;
  /** Called after each commit that wrote events (the publisher's wake-up); never inside the transaction. */
  afterCommit?: () => void;
}

/** The result of opening a settlement. */
export interface Created {
  settlement: Settlement;
  /** True when the Idempotency-Key was seen before: the first settlement, and nothing written. */
  replayed: boolean;
}

/** The settlement use cases; each writes its state change and its events atomically (INV-S5). */
export interface SettlementCommands {
  /** Opens a pending settlement and records `settlement.created`. */
  create(tenantId: string, input: NewSettlement, idempotencyKey?: string): Promise<Created>;
  /**
   * Locks the settlement, decides the command, saves the new state and its
   * events. Throws AppError `not_found` or `invalid_transition` (nothing written).
   */
  run(tenantId: string, id: string, command: SettlementCommand): Promise<Settlement>;
}

function toNewEvents(tenantId: string, id: string, expectedVersion: number, events: SettlementEvent[]) {
  // Only the first event carries expectedVersion: the rest of the batch follows it.
  return events.map((event, index) => ({
    aggregateType: "settlement",
    aggregateId: id,
    tenantId,
    ...(index === 0 ? { expectedVersion } : {}),
    metadata: traceMetadata(),
    ...event,
  }));
}

function sameRequest(existing: Settlement, input: NewSettlement): boolean {
  return (
    existing.amount === input.amount &&
    existing.currency === input.currency &&
    existing.paymentId === input.paymentId &&
    existing.requiredConfirmations === input.requiredConfirmations &&
    // The network may have been chosen since; only the requested one must match.
    (input.network === null || existing.network === input.network)
  );
}

/** Builds the settlement commands over a database. */
export function createSettlementCommands({ db, afterCommit = () => {} }: SettlementCommandDeps): SettlementCommands {
  async function create(tenantId: string, input: NewSettlement, idempotencyKey?: string): Promise<Created> {
    // Payments are never deleted, so this check cannot go stale before the write.
    if (input.paymentId !== null) {
      const payment = await db.selectFrom("payments").select("id").where("tenant_id", "=", tenantId).where("id", "=", input.paymentId).executeTakeFirst();
      if (!payment) throw new AppError("validation_failed", `payment ${input.paymentId} not found`, { field: "payment_id" });
    }
    const id = generateId("stl");
    const events = creationEvents(id, input);
    // The settlement and its events in one statement (atomic on its own); a
    // reused Idempotency-Key skips the row, and with it the events.
    const state = db
      .insertInto("settlements")
      .values({
        id,
        tenant_id: tenantId,
        status: "pending",
        amount: input.amount,
        currency: input.currency,
        network: input.network,
        payment_id: input.paymentId,
        required_confirmations: input.requiredConfirmations,
        confirmations: 0,
        idempotency_key: idempotencyKey ?? null,
        version: events.length,
      })
      .onConflict((conflict) => conflict.columns(["tenant_id", "idempotency_key"]).where("idempotency_key", "is not", null).doNothing())
      .returningAll();
    const {
      rows: [row],
    } = await inSpan("settlement.create transaction", {}, () => recordWithState(db, state, toNewEvents(tenantId, id, 0, events)));
    if (!row) return { settlement: await findByIdempotencyKey(db, tenantId, idempotencyKey!, input), replayed: true };
    afterCommit();
    return { settlement: toSettlement(row), replayed: false };
  }

  async function run(tenantId: string, id: string, command: SettlementCommand): Promise<Settlement> {
    const settlement = await inSpan(`settlement.${command.type} transaction`, {}, () => db.transaction().execute(async (tx) => {
      const current = await findSettlement(tx, tenantId, id, { forUpdate: true });
      if (!current) throw notFound("settlement", id);
      const { next, events } = decide(current, command);
      const saved = await saveSettlement(tx, next);
      await recordEvents(tx, toNewEvents(tenantId, id, current.version, events));
      return saved;
    }));
    afterCommit();
    return settlement;
  }

  return { create, run };
}

async function findByIdempotencyKey(db: Kysely<Database>, tenantId: string, key: string, input: NewSettlement): Promise<Settlement> {
  const row = await db.selectFrom("settlements").selectAll().where("tenant_id", "=", tenantId).where("idempotency_key", "=", key).executeTakeFirstOrThrow();
  const existing = toSettlement(row);
  if (!sameRequest(existing, input)) {
    throw new AppError("idempotency_key_reused", `Idempotency-Key "${key}" was used for a different request`, { field: "Idempotency-Key" });
  }
  return existing;
}
