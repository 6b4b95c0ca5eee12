import type { DomainEvent } from "../envelope.js";

/** Handles one event; may be async. */
export type EventHandler<E extends DomainEvent = DomainEvent> = (event: E) => void | Promise<void>;

/**
 * Publish/subscribe of domain events. Implementations: the
 * in-memory bus of one process, or a bus between instances.
 */
export interface EventBus {
  /**
   * Hands `event` to every subscriber whose pattern matches its type and
   * resolves when all of them have settled; rejects with an AggregateError
   * when any handler failed (the others still ran).
   */
  publish(event: DomainEvent): Promise<void>;
  /**
   * Subscribes `handler` to a type pattern (`settlement.created`,
   * `settlement.*`, `*`); returns the function that unsubscribes it.
   */
  subscribe<E extends DomainEvent = DomainEvent>(pattern: string, handler: EventHandler<E>): () => void;
}
