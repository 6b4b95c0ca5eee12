import type { DomainEvent } from "../envelope.js";

/** A row of the events table as the drivers return it. */
export interface EventRow {
  position: string | number;
  id: string;
  transaction_id: string | number | bigint;
  tenant_id: string;
  aggregate_type: string;
  aggregate_id: string;
  aggregate_version: number | string;
  event_type: string;
  schema_version: number | string;
  payload: Record<string, unknown>;
  metadata: Record<string, unknown>;
  created_at: Date | string;
  published_at: Date | string | null;
}

/**
 * The one place where driver differences are normalised: bigint comes back
 * as a string from pg and as a number from PGlite.
 */
export function toDomainEvent(row: EventRow): DomainEvent {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    aggregateType: row.aggregate_type,
    aggregateId: row.aggregate_id,
    aggregateVersion: Number(row.aggregate_version),
    eventType: row.event_type,
    schemaVersion: Number(row.schema_version),
    payload: row.payload,
    metadata: row.metadata,
    position: Number(row.position),
    transactionId: String(row.transaction_id),
    createdAt: new Date(row.created_at),
    publishedAt: row.published_at === null ? null : new Date(row.published_at),
  };
}
