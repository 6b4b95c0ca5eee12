import { createContext, createElement, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactElement, type ReactNode } from "react";
import { createEventStreamClient, type EventStreamClient } from "../client.js";
import { EventStreamError } from "../errors.js";
import type { EventStreamClientOptions } from "../options.js";
import type { AnyStreamEvent, EventMap, EventTypeIn, StreamEvent } from "../types.js";
import { createSelectionStore, type EventStreamState } from "./selection-store.js";

/** Props of an `EventStreamProvider`: a `url` (and `options`) it connects to, or a `client` made elsewhere. */
export type EventStreamProviderProps<E extends EventMap> =
  | { url: string | URL; options?: EventStreamClientOptions | undefined; client?: undefined; children?: ReactNode }
  | { client: EventStreamClient<E>; url?: undefined; options?: undefined; children?: ReactNode };

/** The events of `types`, as `select` receives them. */
export type SelectedEvent<E extends EventMap, T extends EventTypeIn<E>> = AnyStreamEvent<Pick<E, T>>;

/** The hook of a context; see {@link createEventStreamContext}. */
export interface UseEventStream<E extends EventMap> {
  /** The status and last error only (e.g. for a connection badge). */
  (): EventStreamState<undefined>;
  /** The last event of `types` (undefined until one arrives), the status and the last error. */
  <T extends EventTypeIn<E>>(types: readonly T[]): EventStreamState<SelectedEvent<E, T> | undefined>;
  /**
   * A value selected from each event of `types` and the previous value
   * (starting at `initial`): the component renders when it changes
   * (`Object.is`), the status changes or an error is met.
   */
  <T extends EventTypeIn<E>, S>(types: readonly T[], select: (event: SelectedEvent<E, T>, previous: S) => S, initial: S): EventStreamState<S>;
}

/** A provider and hooks bound to one event map. */
export interface EventStreamContext<E extends EventMap> {
  /** Shares one client (one connection) with every hook below it. */
  EventStreamProvider(props: EventStreamProviderProps<E>): ReactElement;
  /** Subscribes a component to the provider's stream, built on `useSyncExternalStore`. */
  useEventStream: UseEventStream<E>;
  /** The provider's client (null until it is created after mount), e.g. for `onReset`. */
  useEventStreamClient(): EventStreamClient<E> | null;
}

const NO_TYPES: readonly string[] = [];
const lastEvent = (event: StreamEvent) => event;

/**
 * A provider and its hooks typed by an event map, e.g.
 * `createEventStreamContext<WireEvents<PlatformCatalog>>()`. The provider
 * creates its client after mount and closes it on unmount; a new `url`
 * means a new client, new `options` alone do not.
 */
export function createEventStreamContext<E extends EventMap>(): EventStreamContext<E> {
  // undefined: no provider above; null: the provider's client is not created yet.
  const Context = createContext<EventStreamClient<E> | null | undefined>(undefined);

  function EventStreamProvider(props: EventStreamProviderProps<E>): ReactElement {
    if (props.client && props.url !== undefined) throw new EventStreamError("invalid_options", "give EventStreamProvider a url or a client, not both");
    if (!props.client && props.url === undefined) throw new EventStreamError("invalid_options", "EventStreamProvider needs a url or a client");
    const [owned, setOwned] = useState<EventStreamClient<E> | null>(null);
    const options = useRef(props.options);
    options.current = props.options;
    const href = props.client ? undefined : String(props.url);
    useEffect(() => {
      if (href === undefined) return;
      const client = createEventStreamClient<E>(href, options.current);
      setOwned(client);
      return () => {
        client.close();
        setOwned(null);
      };
    }, [href]);
    return createElement(Context.Provider, { value: props.client ?? owned }, props.children);
  }

  function useEventStreamClient(): EventStreamClient<E> | null {
    const client = useContext(Context);
    if (client === undefined) throw new EventStreamError("invalid_options", "useEventStream needs an <EventStreamProvider> above it");
    return client;
  }

  function useEventStream(types: readonly string[] = NO_TYPES, select: (event: StreamEvent, previous: unknown) => unknown = lastEvent, initial?: unknown) {
    const client = useEventStreamClient();
    const selectRef = useRef(select);
    selectRef.current = select;
    const typesKey = types.join("\n");
    // Keyed by the types' content, not the array's identity (callers often pass a new array literal each render).
    const store = useMemo(() => createSelectionStore(client as EventStreamClient<EventMap> | null, types, selectRef, initial), [client, typesKey]);
    return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
  }

  return { EventStreamProvider, useEventStream: useEventStream as UseEventStream<E>, useEventStreamClient };
}
