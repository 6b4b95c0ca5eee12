import { EventSource } from "eventsource";
import { platformCatalog } from "@org/events";

/** One event as the `eventsource` client parsed it. */
export interface ReceivedEvent {
  type: string;
  id: string;
  data: Record<string, any>;
}

/** The event types of the platform catalog, each of which gets a listener, and the resume reset. */
const EVENT_TYPES = [...platformCatalog.eventTypes, "reset"];

/**
 * A bound, not an expectation: the feed reads in commit-safe order, so a
 * transaction held open in this test's database holds it back until it
 * ends, and the machine is shared by parallel suites.
 */
const WAIT_LIMIT_MS = 60_000;

/**
 * Opens the stream with the `eventsource` package (headers through its
 * `fetch` option) and records every event. `waitFor` resolves once `count`
 * matching events arrived, or rejects after a generous bound with what did arrive.
 */
export function openStream(url: string, headers: Record<string, string> = {}) {
  const events: ReceivedEvent[] = [];
  let opened!: () => void;
  let failed!: (error: Error) => void;
  const open = new Promise<void>((resolve, reject) => ((opened = resolve), (failed = reject)));
  const waiters = new Set<() => void>();
  const source = new EventSource(url, {
    fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, ...headers } }),
  });
  source.onopen = () => opened();
  source.onerror = (event) => {
    if (source.readyState === EventSource.CLOSED) failed(new Error(`stream closed: ${event.code ?? ""} ${event.message ?? ""}`));
  };
  for (const type of EVENT_TYPES) {
    source.addEventListener(type, (event) => {
      events.push({ type, id: event.lastEventId, data: JSON.parse(event.data) });
      for (const wake of waiters) wake();
    });
  }

  return {
    events,
    source,
    open,
    /** The first `count` events that pass `filter`, once they arrived. */
    waitFor(count: number, filter: (event: ReceivedEvent) => boolean = () => true): Promise<ReceivedEvent[]> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const matching = events.filter(filter);
          if (matching.length < count) return;
          cleanup();
          resolve(matching.slice(0, count));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`got ${events.length} of ${count} events: ${events.map((e) => e.type).join(", ")}`));
        }, WAIT_LIMIT_MS);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => source.close(),
  };
}
