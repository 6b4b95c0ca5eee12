import type { EventMetadata } from "../envelope.js";

/** Per-event options of {@link recordEvent}. */
export interface RecordEventOptions {
  /**
   * The tenant the event belongs to.
   * @default "default"
   */
  tenantId?: string;
  /**
   * A key unique per tenant: writing the same key again returns the first
   * event's id and writes nothing.
   */
  idempotencyKey?: string;
  /**
   * The aggregate version the writer last saw (0 for a new aggregate). If
   * another writer appended since, a ConcurrencyError is thrown.
   */
  expectedVersion?: number;
  /** Correlation, causation, actor, and anything else worth keeping. */
  metadata?: EventMetadata;
}

/** One event to write with {@link recordEvents}. */
export interface NewEvent<TType extends string = string, TPayload = unknown> extends RecordEventOptions {
  aggregateType: string;
  aggregateId: string;
  eventType: TType;
  payload: TPayload;
}
