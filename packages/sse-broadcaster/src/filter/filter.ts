/**
 * What one client wants to receive. Every given criterion must match (AND);
 * within a list any entry may match (OR). An omitted or empty list means
 * "any".
 */
export interface SSEFilter {
  /**
   * Event type patterns: an exact type (`settlement.created`), a prefix
   * (`settlement.*` matches every type starting with `settlement.`), or `*`.
   */
  types?: readonly string[] | undefined;
  /** Only events of these aggregates. */
  aggregateIds?: readonly string[] | undefined;
  /**
   * Only events of this tenant; events without a tenant are not delivered
   * either. Take it from the authenticated credential, never from the query
   * string: it is the isolation boundary between customers.
   */
  tenantId?: string | undefined;
}

/**
 * The fields of an event the broadcaster reads. Structural, so any event
 * envelope with these fields (such as `@org/events`' DomainEvent) fits
 * without a dependency on it.
 */
export interface BroadcastEvent {
  /** Becomes the SSE `id:`, what a client sends back as Last-Event-ID. */
  id: string;
  /** Becomes the SSE `event:` name; matched against type patterns. */
  eventType: string;
  aggregateId?: string | null | undefined;
  tenantId?: string | null | undefined;
  payload?: unknown;
  /**
   * With `position`, the event's place in the log's commit-safe order
   * `(transactionId, position)` (a decimal string and an integer, as
   * `@org/events` gives them). Events that carry both are sent to each
   * connection at most once and never an older one after a newer one, even
   * when a resume's replay runs ahead of the live feed; the broadcaster
   * keeps one position per client for it. Live and replayed events must both
   * carry them.
   */
  transactionId?: string | undefined;
  /** See `transactionId`. */
  position?: number | undefined;
}
