import type { Checkpoint, DomainEvent } from "../envelope.js";

/** Filters of a read over the whole log. */
export interface LogFilter {
  /** Only this tenant's events. */
  tenantId?: string;
  /** Event type patterns: `settlement.status_changed`, `settlement.*`, or `*`. */
  types?: readonly string[];
  /** Only these aggregates. */
  aggregateIds?: readonly string[];
  /** Only events created at or after this time. */
  from?: Date;
  /** Only events created before this time. */
  to?: Date;
}

/** Options of {@link EventStore.readAfter}. */
export interface ReadAfterOptions extends LogFilter {
  /** Stop after this checkpoint (inclusive): the end of a position range. */
  until?: Checkpoint;
  /**
   * Most events returned.
   * @default 1000
   */
  limit?: number;
}

/** One page of the log in commit-safe order. */
export interface LogPage {
  events: DomainEvent[];
  /** Where the next read continues: the last event read, or the input checkpoint. */
  checkpoint: Checkpoint | null;
}

/**
 * Reads the events table: by id, by aggregate, and the log in commit-safe
 * order with filters by tenant, event type and aggregate. Every method reads what has committed; none writes.
 */
export interface EventStore {
  /** One event by id, or undefined. */
  getEvent(id: string): Promise<DomainEvent | undefined>;
  /** One aggregate's events in version order, after `afterVersion` (default 0). */
  getAggregateEvents(
    aggregateType: string,
    aggregateId: string,
    options?: { afterVersion?: number; tenantId?: string },
  ): Promise<DomainEvent[]>;
  /** Events of one type in commit-safe order. */
  getEventsByType(eventType: string, options?: { tenantId?: string; after?: Checkpoint | null; limit?: number }): Promise<DomainEvent[]>;
  /**
   * Events after `checkpoint` (null: from the start) in the commit-safe order
   * `(transactionId, position)`, filtered. Only events of transactions older
   * than every transaction still running are returned, so an event that
   * commits later can never land behind a checkpoint already handed out: a
   * reader that follows the returned checkpoints sees every event exactly
   * once. A transaction left open in this database delays every reader
   * until it ends (see commitSafeHorizon). Throws CheckpointExpiredError
   * for a checkpoint before the log's low-water checkpoint.
   */
  readAfter(checkpoint: Checkpoint | null, options?: ReadAfterOptions): Promise<LogPage>;
  /**
   * The log's low-water checkpoint: retention has deleted every event at or
   * before it (and nothing after it). Null while nothing was deleted.
   * `readAfter` from a checkpoint before it throws CheckpointExpiredError.
   */
  getLowWater(): Promise<Checkpoint | null>;
  /**
   * The checkpoint of an event id (to resume after it), or undefined; with
   * `tenantId`, only an event of that tenant.
   */
  getCheckpoint(eventId: string, options?: { tenantId?: string }): Promise<Checkpoint | undefined>;
}
