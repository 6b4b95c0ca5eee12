import type { EventStreamClient } from "../client.js";
import type { EventStreamError } from "../errors.js";
import type { EventMap, StreamEvent, StreamStatus } from "../types.js";

/** What {@link useEventStream} returns. */
export interface EventStreamState<S> {
  /** The selected value: `initial`, then what `select` made of each event. */
  value: S;
  status: StreamStatus;
  /** The client's last error, if any. */
  error: EventStreamError | undefined;
}

/** A `useSyncExternalStore` store: one component's selection over a shared client. */
export interface SelectionStore<S> {
  subscribe(onChange: () => void): () => void;
  getSnapshot(): EventStreamState<S>;
}

/**
 * Folds the client's events of `types` through `select` into one value,
 * with the client's status and last error. A new snapshot object exists
 * only when one of the three changed, so React renders only then. The
 * client's handlers are attached while React has a listener.
 */
export function createSelectionStore<S>(
  client: EventStreamClient<EventMap> | null,
  types: readonly string[],
  select: { current: (event: StreamEvent, previous: S) => S },
  initial: S,
): SelectionStore<S> {
  let snapshot: EventStreamState<S> = { value: initial, status: client?.status ?? "connecting", error: client?.lastError };
  const listeners = new Set<() => void>();
  let detach: (() => void) | undefined;

  const update = (next: Partial<EventStreamState<S>>) => {
    const merged = { ...snapshot, ...next };
    if (Object.is(merged.value, snapshot.value) && merged.status === snapshot.status && merged.error === snapshot.error) return;
    snapshot = merged;
    for (const listener of [...listeners]) listener();
  };

  const attach = (source: EventStreamClient<EventMap>) => {
    const offs = [
      source.onStatus(({ status, error }) => update({ status, error })),
      ...types.map((type) => source.on(type, (event) => update({ value: select.current(event, snapshot.value) }))),
    ];
    // The status may have moved between render and subscription.
    update({ status: source.status, error: source.lastError });
    return () => offs.forEach((off) => off());
  };

  return {
    subscribe(onChange) {
      listeners.add(onChange);
      if (client && !detach) detach = attach(client);
      return () => {
        listeners.delete(onChange);
        if (listeners.size === 0 && detach) {
          detach();
          detach = undefined;
        }
      };
    },
    getSnapshot: () => snapshot,
  };
}
