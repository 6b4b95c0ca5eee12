import type { DomainEvent } from "../envelope.js";
import { EventsError } from "../errors.js";
import type { Projection } from "./projection.js";

/** The outcome of {@link reconstruct}. */
export interface Reconstruction<S> {
  state: S;
  /** The version of the last event applied (0 when there was none). */
  version: number;
  eventCount: number;
}

/**
 * Rebuilds one aggregate's state from its events alone (event sourcing;
 * the witness of event completeness, INV-S5 in docs/DESIGN.md). The events must be one aggregate's, in version
 * order, without gaps: otherwise an EventsError with code
 * `invalid_event_stream` is thrown rather than a state that looks right.
 *
 * @example
 * const events = await store.getAggregateEvents("settlement", id);
 * const { state, version } = reconstruct(events, settlementProjection);
 */
export function reconstruct<S>(events: readonly DomainEvent[], projection: Projection<S>): Reconstruction<S> {
  let state = projection.initialState();
  let version = 0;
  const first = events[0];
  for (const [index, event] of events.entries()) {
    if (event.aggregateType !== first!.aggregateType || event.aggregateId !== first!.aggregateId) {
      throw new EventsError("invalid_event_stream", `events[${index}] belongs to another aggregate (${event.aggregateType} ${event.aggregateId})`);
    }
    const expected = index === 0 ? event.aggregateVersion : version + 1;
    if (event.aggregateVersion !== expected) {
      throw new EventsError("invalid_event_stream", `events[${index}] has version ${event.aggregateVersion}, expected ${expected}`);
    }
    state = projection.apply(state, event);
    version = event.aggregateVersion;
  }
  return { state, version, eventCount: events.length };
}
