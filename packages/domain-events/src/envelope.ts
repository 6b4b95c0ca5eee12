/**
 * Context carried by every event: who caused it and which request it belongs
 * to. Open for more keys.
 */
export interface EventMetadata {
  /** Shared by every event of one request or workflow. */
  correlationId?: string;
  /** The id of the event or command that caused this one. */
  causationId?: string;
  /** Who acted: a user, an API key, a service. */
  actor?: string;
  [key: string]: unknown;
}

/**
 * The envelope of a domain event as stored in the events table.
 *
 * `position` is the global insert order; `transactionId` is the writing
 * transaction. Readers order by `(transactionId, position)`, the commit-safe
 * order (see {@link Checkpoint}).
 */
export interface DomainEvent<TType extends string = string, TPayload = Record<string, unknown>> {
  /** `evt_<ULID>`, monotonic within a process. */
  id: string;
  tenantId: string;
  aggregateType: string;
  aggregateId: string;
  /** 1 for an aggregate's first event, then +1 for each. */
  aggregateVersion: number;
  eventType: TType;
  /** Version of the payload's schema. */
  schemaVersion: number;
  payload: TPayload;
  metadata: EventMetadata;
  /** Global insert position (bigint identity, normalised to a number). */
  position: number;
  /** The writing transaction's id (PostgreSQL xid8, as a decimal string). */
  transactionId: string;
  createdAt: Date;
  /** Null until the ordered feed has relayed the event. */
  publishedAt: Date | null;
}

/**
 * A place in the commit-safe order of the log: the pair
 * `(transactionId, position)` of the last event read.
 */
export interface Checkpoint {
  transactionId: string;
  position: number;
}

/** The tenant of events written without one. */
export const DEFAULT_TENANT = "default";
