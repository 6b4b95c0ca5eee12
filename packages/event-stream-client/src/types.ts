/**
 * Event types mapped to their payloads as they arrive (the parsed `data:`).
 * `WireEvents<typeof catalog>` of @org/events is one.
 */
export type EventMap = { [type: string]: unknown };

/** The event types of an event map. */
export type EventTypeIn<E extends EventMap> = keyof E & string;

/** One received event. */
export interface StreamEvent<T extends string = string, P = unknown> {
  /** The SSE `event:` field. */
  type: T;
  /** The SSE `id:` field, when the server sent one. */
  id: string | undefined;
  /** The parsed `data:`. */
  payload: P;
}

/** Any event of an event map, as a union discriminated by `type`. */
export type AnyStreamEvent<E extends EventMap> = { [T in EventTypeIn<E>]: StreamEvent<T, E[T]> }[EventTypeIn<E>];

/**
 * - `connecting`: the first connection is being opened;
 * - `open`: the stream is flowing;
 * - `reconnecting`: between connections (waiting out the backoff, paused
 *   while the page is hidden or offline, or opening again);
 * - `closed`: `close()` was called or the server refused for good (see `lastError`).
 */
export type StreamStatus = "connecting" | "open" | "reconnecting" | "closed";

/** What the server said when it could not resume from the client's Last-Event-ID. */
export interface StreamReset {
  /** The server's reason, e.g. `unknown_last_event_id`, when it sent one. */
  reason: string | undefined;
  /** The id the client asked to resume after. */
  lastEventId: string | undefined;
}

/** What to know about a connection to the caller of `getHeaders`. */
export interface HeadersContext {
  /**
   * True after the server answered 401: return a fresh credential (e.g. a
   * new stream token) instead of a cached one.
   */
  refresh: boolean;
  /** Aborted when the client is closed. */
  signal: AbortSignal;
}
