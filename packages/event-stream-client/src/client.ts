import { createParser, type EventSourceMessage } from "eventsource-parser";
import { reconnectDelay } from "./backoff.js";
import { EventStreamError } from "./errors.js";
import { resolveEventStreamClientOptions, type EventStreamClientOptions } from "./options.js";
import { watchPause } from "./pause.js";
import { RecentIds } from "./recent-ids.js";
import type { EventMap, EventTypeIn, StreamEvent, StreamReset, StreamStatus } from "./types.js";

/** The status and the last error, as `onStatus` listeners get them. */
export interface StreamState {
  status: StreamStatus;
  /** The last error met, if any (it stays after a successful reconnect). */
  error: EventStreamError | undefined;
}

/** A subscription to one SSE endpoint. Create it with {@link createEventStreamClient}. */
export interface EventStreamClient<E extends EventMap = EventMap> {
  /** Calls `handler` for every event of `type`; returns its unsubscribe function. */
  on<T extends EventTypeIn<E>>(type: T, handler: (event: StreamEvent<T, E[T]>) => void): () => void;
  /**
   * Calls `callback` when the server could not resume from the client's
   * Last-Event-ID: the place to refetch a snapshot. Returns its unsubscribe function.
   */
  onReset(callback: (reset: StreamReset) => void): () => void;
  /** Calls `listener` when the status changes or an error is met. Returns its unsubscribe function. */
  onStatus(listener: (state: StreamState) => void): () => void;
  /** `connecting`, `open`, `reconnecting` or `closed`. */
  readonly status: StreamStatus;
  /** The last error met, if any. */
  readonly lastError: EventStreamError | undefined;
  /** The id of the last event received; sent as `Last-Event-ID` on every reconnect. */
  readonly lastEventId: string | undefined;
  /** True while held closed because the page is hidden or offline (status `reconnecting`). */
  readonly paused: boolean;
  /** Stops for good: aborts the connection and any wait. Idempotent. */
  close(): void;
}

type Outcome =
  | { kind: "retry"; opened: boolean; error: EventStreamError }
  | { kind: "unauthorized"; error: EventStreamError }
  | { kind: "fatal"; error: EventStreamError }
  | { kind: "aborted"; opened: boolean };

const RETRYABLE_STATUSES = new Set([408, 429]);

/**
 * Opens `url` with `fetch` (so it can send `Authorization`), parses the
 * stream with eventsource-parser and keeps it open: after every drop it
 * reconnects with `Last-Event-ID`, with exponential backoff and full
 * jitter that honours the server's `retry:`. Type it with an event map,
 * e.g. `WireEvents<PlatformCatalog>` from @org/events (a type-only import).
 *
 * @example
 * ```ts
 * import type { PlatformCatalog, WireEvents } from "@org/events";
 * const client = createEventStreamClient<WireEvents<PlatformCatalog>>("/api/v1/events/stream", {
 *   headers: { Authorization: `Bearer ${apiKey}` },
 * });
 * client.on("settlement.confirmation_progress", (e) => render(e.payload.confirmations));
 * ```
 */
export function createEventStreamClient<E extends EventMap = EventMap>(
  url: string | URL,
  options?: EventStreamClientOptions,
): EventStreamClient<E> {
  const opts = resolveEventStreamClientOptions(options);
  const href = String(url);
  const handlers = new Map<string, Set<(event: StreamEvent) => void>>();
  const resetCallbacks = new Set<(reset: StreamReset) => void>();
  const statusListeners = new Set<(state: StreamState) => void>();
  const recent = new RecentIds(opts.dedupeWindow);
  const closing = new AbortController();
  let status: StreamStatus = "connecting";
  let lastError: EventStreamError | undefined;
  let lastEventId = opts.lastEventId;
  let serverRetryMs: number | undefined;
  let connection: AbortController | undefined;
  let wake: (() => void) | undefined;

  const pause = watchPause(opts, () => {
    if (pause.paused()) connection?.abort();
    wake?.();
  });

  function notify(): void {
    const state = { status, error: lastError };
    for (const listener of [...statusListeners]) {
      try {
        listener(state);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  function setStatus(next: StreamStatus, error?: EventStreamError): void {
    if (next === status && error === undefined) return;
    if (status === "closed") return;
    status = next;
    if (error) lastError = error;
    notify();
  }

  function report(error: EventStreamError): void {
    lastError = error;
    notify();
  }

  /** Resolves after `ms`, or sooner when closed or the pause state changes. */
  function wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      wake = done;
    });
  }

  function dispatch(message: EventSourceMessage): void {
    const askedAfter = lastEventId;
    if (message.id !== undefined) {
      if (message.id !== "" && recent.seen(message.id)) return;
      lastEventId = message.id || undefined;
    }
    const type = message.event ?? "message";
    if (type === opts.resetEventName) {
      // The server starts afresh: resuming after the refused id again would only bring another reset.
      if (message.id === undefined) lastEventId = undefined;
      let reason: string | undefined;
      try {
        const data: unknown = JSON.parse(message.data);
        if (typeof data === "object" && data !== null && typeof (data as { reason?: unknown }).reason === "string") {
          reason = (data as { reason: string }).reason;
        }
      } catch {
        // A reset without a JSON reason is still a reset.
      }
      for (const callback of [...resetCallbacks]) guard(() => callback({ reason, lastEventId: askedAfter }));
      return;
    }
    const listeners = handlers.get(type);
    if (!listeners || listeners.size === 0) return;
    let payload: unknown;
    try {
      payload = opts.parse(type, message.data);
    } catch (cause) {
      report(new EventStreamError("bad_data", `the data of a ${type} event (id ${message.id ?? "none"}) could not be parsed`, { cause }));
      return;
    }
    const event: StreamEvent = { type, id: message.id || undefined, payload };
    for (const handler of [...listeners]) guard(() => handler(event));
  }

  function guard(call: () => void): void {
    try {
      call();
    } catch (cause) {
      report(new EventStreamError("handler_failed", `a handler threw: ${String(cause)}`, { cause }));
    }
  }

  async function connectOnce(refresh: boolean): Promise<Outcome> {
    const controller = new AbortController();
    connection = controller;
    const abort = () => controller.abort();
    closing.signal.addEventListener("abort", abort);
    let opened = false;
    try {
      let headers: Record<string, string>;
      try {
        headers = await opts.getHeaders({ refresh, signal: closing.signal });
      } catch (cause) {
        if (controller.signal.aborted) return { kind: "aborted", opened };
        return { kind: "retry", opened, error: new EventStreamError("get_headers_failed", `getHeaders failed: ${String(cause)}`, { cause }) };
      }
      if (controller.signal.aborted) return { kind: "aborted", opened };
      const { fetch } = opts;
      const response = await fetch(href, {
        headers: { Accept: "text/event-stream", ...headers, ...(lastEventId ? { "Last-Event-ID": lastEventId } : {}) },
        credentials: opts.credentials,
        cache: "no-store",
        signal: controller.signal,
      });
      if (response.status !== 200) {
        void response.body?.cancel().catch(() => {});
        const { status: code } = response;
        if (code === 401) {
          return { kind: "unauthorized", error: new EventStreamError("unauthorized", `${href} answered 401`, { status: code }) };
        }
        const error = new EventStreamError("http_status", `${href} answered ${code}`, { status: code });
        return RETRYABLE_STATUSES.has(code) || code >= 500 ? { kind: "retry", opened, error } : { kind: "fatal", error };
      }
      const contentType = response.headers.get("content-type") ?? "";
      if (!/^text\/event-stream\b/i.test(contentType) || !response.body) {
        void response.body?.cancel().catch(() => {});
        return { kind: "fatal", error: new EventStreamError("bad_content_type", `${href} answered ${contentType || "no content type"}, not text/event-stream`) };
      }
      opened = true;
      setStatus("open");
      const parser = createParser({ onEvent: dispatch, onRetry: (ms) => void (serverRetryMs = ms) });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(value);
      }
      return { kind: "retry", opened, error: new EventStreamError("stream_ended", `${href} ended the stream`) };
    } catch (cause) {
      if (controller.signal.aborted) return { kind: "aborted", opened };
      return { kind: "retry", opened, error: new EventStreamError("network", `${href}: ${String(cause)}`, { cause }) };
    } finally {
      closing.signal.removeEventListener("abort", abort);
      connection = undefined;
    }
  }

  async function run(): Promise<void> {
    let attempt = 0;
    let refresh = false;
    let everOpened = false;
    while (!closing.signal.aborted) {
      if (pause.paused()) {
        setStatus(everOpened ? "reconnecting" : "connecting");
        await wait(2 ** 31 - 1);
        continue;
      }
      setStatus(everOpened ? "reconnecting" : "connecting");
      const outcome = await connectOnce(refresh);
      if (closing.signal.aborted) break;
      if ("opened" in outcome && outcome.opened) {
        everOpened = true;
        attempt = 0;
      }
      if (outcome.kind === "unauthorized") {
        if (refresh) {
          setStatus("closed", new EventStreamError("unauthorized", `${outcome.error.message} again after getHeaders({ refresh: true })`, { status: 401 }));
          break;
        }
        // A stale credential: fetch a fresh one and try again right away, once.
        report(outcome.error);
        refresh = true;
        continue;
      }
      refresh = false;
      if (outcome.kind === "fatal") {
        setStatus("closed", outcome.error);
        break;
      }
      // Paused: the top of the loop waits for the page to come back, then reconnects at once.
      if (outcome.kind === "aborted") continue;
      setStatus("reconnecting", outcome.error);
      await wait(reconnectDelay({ attempt, initialMs: opts.initialRetryMs, maxMs: opts.maxRetryMs, serverRetryMs, random: opts.random() }));
      attempt += 1;
    }
    pause.stop();
    setStatus("closed");
  }

  function subscribe<T>(set: Set<T>, item: T): () => void {
    set.add(item);
    return () => void set.delete(item);
  }

  void run().catch((cause) => {
    setStatus("closed", new EventStreamError("network", `the client stopped: ${String(cause)}`, { cause }));
  });

  return {
    on(type, handler) {
      let listeners = handlers.get(type);
      if (!listeners) handlers.set(type, (listeners = new Set()));
      return subscribe(listeners, handler as (event: StreamEvent) => void);
    },
    onReset: (callback) => subscribe(resetCallbacks, callback),
    onStatus: (listener) => subscribe(statusListeners, listener),
    get status() {
      return status;
    },
    get lastError() {
      return lastError;
    },
    get lastEventId() {
      return lastEventId;
    },
    get paused() {
      return status !== "closed" && pause.paused();
    },
    close() {
      if (closing.signal.aborted) return;
      closing.abort();
      wake?.();
      pause.stop();
      setStatus("closed");
    },
  };
}
