import { createEventStore, reconstruct, type DomainEvent } from "@org/events";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import { notFound } from "../errors.js";
import { settlementProjection } from "./projection.js";
import { findSettlement } from "./repository.js";
import type { Settlement } from "./settlement.js";

/** A settlement rebuilt from its events, next to its stored row (INV-S5). */
export interface SettlementReconstruction {
  stored: Settlement;
  rebuilt: Settlement | null;
  events: DomainEvent[];
  /** The fields where the rebuilt state differs from the stored row; empty when INV-S5 holds. */
  differingFields: string[];
}

/** The fields that differ between two settlements (empty when they are equal). */
function differingFields(a: Settlement, b: Settlement | null): string[] {
  if (b === null) return ["*"];
  return (Object.keys(a) as (keyof Settlement)[]).filter((key) => {
    const x = a[key];
    const y = b[key];
    return x instanceof Date && y instanceof Date ? x.getTime() !== y.getTime() : x !== y;
  });
}

/** Reads a tenant's settlement and its events and rebuilds it. Throws `not_found`. */
export async function reconstructSettlement(db: Kysely<Database>, tenantId: string, id: string): Promise<SettlementReconstruction> {
  // One snapshot for both reads, so a command committing in between cannot make them disagree.
  return db.transaction().setIsolationLevel("repeatable read").execute(async (tx) => {
    const stored = await findSettlement(tx, tenantId, id);
    if (!stored) throw notFound("settlement", id);
    const events = await createEventStore(tx).getAggregateEvents("settlement", id, { tenantId });
    const { state: rebuilt } = reconstruct(events, settlementProjection);
    return { stored, rebuilt, events, differingFields: differingFields(stored, rebuilt) };
  });
}
