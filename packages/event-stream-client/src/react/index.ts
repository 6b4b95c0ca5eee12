import type { EventMap } from "../types.js";
import { createEventStreamContext } from "./context.js";

export { createEventStreamContext } from "./context.js";
export type { EventStreamContext, EventStreamProviderProps, SelectedEvent, UseEventStream } from "./context.js";
export type { EventStreamState } from "./selection-store.js";

const untyped = createEventStreamContext<EventMap>();

/**
 * Shares one client (one connection) with every `useEventStream` below it.
 * Untyped payloads; for typed ones use {@link createEventStreamContext}.
 */
export const EventStreamProvider = untyped.EventStreamProvider;
/** Subscribes a component to the nearest `EventStreamProvider`'s stream (payloads `unknown`). */
export const useEventStream = untyped.useEventStream;
/** The nearest `EventStreamProvider`'s client, null until created. */
export const useEventStreamClient = untyped.useEventStreamClient;
