import type { DomainEvent } from "../envelope.js";
import { EventsError } from "../errors.js";
import { assertEventTypePattern, matchesEventType } from "../read/type-pattern.js";
import type { EventBus, EventHandler } from "./event-bus.js";

/**
 * The event bus of one process: handlers of one event run concurrently, and
 * `publish` waits for all of them.
 *
 * @example
 * const bus = new InMemoryEventBus();
 * const unsubscribe = bus.subscribe("settlement.*", async (event) => notify(event));
 * await bus.publish(event);
 * unsubscribe();
 */
export class InMemoryEventBus implements EventBus {
  readonly #subscriptions = new Map<string, Set<EventHandler<any>>>();

  async publish(event: DomainEvent): Promise<void> {
    const handlers: EventHandler<any>[] = [];
    for (const [pattern, subscribed] of this.#subscriptions) {
      if (matchesEventType(pattern, event.eventType)) handlers.push(...subscribed);
    }
    if (handlers.length === 0) return;
    const results = await Promise.allSettled(handlers.map(async (handler) => handler(event)));
    const failures = results.flatMap((result) => (result.status === "rejected" ? [result.reason] : []));
    if (failures.length > 0) {
      throw new AggregateError(failures, `${failures.length} handler(s) failed for ${event.eventType} ${event.id}`);
    }
  }

  subscribe<E extends DomainEvent = DomainEvent>(pattern: string, handler: EventHandler<E>): () => void {
    assertEventTypePattern(pattern, "pattern");
    if (typeof handler !== "function") throw new EventsError("invalid_argument", "handler must be a function");
    let handlers = this.#subscriptions.get(pattern);
    if (!handlers) this.#subscriptions.set(pattern, (handlers = new Set()));
    handlers.add(handler);
    return () => {
      handlers.delete(handler);
      if (handlers.size === 0 && this.#subscriptions.get(pattern) === handlers) this.#subscriptions.delete(pattern);
    };
  }

  /** How many handlers are subscribed, over all patterns. */
  get subscriberCount(): number {
    let count = 0;
    for (const handlers of this.#subscriptions.values()) count += handlers.size;
    return count;
  }
}
