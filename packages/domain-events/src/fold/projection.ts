import type { CatalogDefinition, EventCatalog, EventTypeIn, PayloadIn } from "../catalog/define-event-catalog.js";
import type { DomainEvent } from "../envelope.js";

/** How to rebuild a state from events: a start and a step. */
export interface Projection<S> {
  /** A fresh initial state (called once per fold). */
  initialState(): S;
  /** The state after `event`; must not mutate `state`'s callers rely on. */
  apply(state: S, event: DomainEvent): S;
}

/** Per-event-type steps of a projection, typed by the catalog. */
export type ProjectionHandlers<D extends CatalogDefinition, S> = {
  [T in EventTypeIn<D>]?: (state: S, event: DomainEvent<T, PayloadIn<D, T>>) => S;
};

/**
 * Defines a projection from one step per event type; each step sees its
 * event's payload typed by the catalog. Event types without a step leave the
 * state as it is.
 *
 * @example
 * const balance = defineProjection(platformCatalog, {
 *   initialState: () => ({ refunded: 0 }),
 *   on: { "payment.refunded": (s, e) => ({ refunded: s.refunded + Number(e.payload.refundAmount) }) },
 * });
 */
export function defineProjection<D extends CatalogDefinition, S>(
  _catalog: EventCatalog<D>,
  definition: { initialState: () => S; on: ProjectionHandlers<D, S> },
): Projection<S> {
  const handlers = definition.on as Record<string, ((state: S, event: DomainEvent) => S) | undefined>;
  return {
    initialState: definition.initialState,
    apply: (state, event) => handlers[event.eventType]?.(state, event) ?? state,
  };
}
