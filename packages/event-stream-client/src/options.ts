import { EventStreamError } from "./errors.js";
import type { HeadersContext } from "./types.js";

/** Headers as a plain object, e.g. `{ Authorization: "Bearer …" }`. */
export type HeaderRecord = Record<string, string>;

/** Options of {@link createEventStreamClient}. Every field is optional. */
export interface EventStreamClientOptions {
  /**
   * Headers sent with every connection. Use `getHeaders` instead for a
   * credential that expires; giving both is refused.
   * @default {}
   */
  headers?: HeaderRecord | undefined;
  /**
   * Called before every connection for its headers. After a 401 it is
   * called with `refresh: true`: fetch a new credential then (e.g. a stream
   * token from `POST /api/v1/events/token`). A second 401 in a row closes
   * the client with an `unauthorized` error instead of looping.
   * @default undefined
   */
  getHeaders?: ((context: HeadersContext) => HeaderRecord | Promise<HeaderRecord>) | undefined;
  /**
   * Resume after this id on the first connection (e.g. one kept from a previous page).
   * @default undefined
   */
  lastEventId?: string | undefined;
  /**
   * First backoff window in ms when the server sent no `retry:`.
   * @default 1000
   */
  initialRetryMs?: number;
  /**
   * Largest backoff window in ms (a larger server `retry:` still wins).
   * @default 30000
   */
  maxRetryMs?: number;
  /**
   * Close the connection while `document.hidden`, reopen (from the last id)
   * when the page is visible again. No effect outside browsers.
   * @default false
   */
  pauseWhenHidden?: boolean;
  /**
   * Close the connection while the browser is offline, reopen when it is
   * online again. No effect outside browsers.
   * @default false
   */
  pauseWhenOffline?: boolean;
  /**
   * How many recent event ids are remembered to drop a duplicate. `0` disables it.
   * @default 1000
   */
  dedupeWindow?: number;
  /**
   * Name of the server's event that says it could not resume from
   * Last-Event-ID (the client then forgets that id and calls `onReset`).
   * @default "reset"
   */
  resetEventName?: string;
  /**
   * Turns an event's `data:` into its payload, e.g. to validate it with
   * a catalog at run time. A throw skips the event (`bad_data`).
   * @default (type, data) => JSON.parse(data)
   */
  parse?: ((type: string, data: string) => unknown) | undefined;
  /**
   * `credentials` of the fetch request (cookies of same-origin streams go along by default).
   * @default "same-origin"
   */
  credentials?: RequestCredentials;
  /**
   * The fetch to use.
   * @default the global fetch, looked up at each call
   */
  fetch?: typeof fetch;
  /**
   * Source of randomness for the jitter, a number in [0, 1).
   * @default Math.random
   */
  random?: () => number;
}

/** Options with every default applied. */
export interface ResolvedEventStreamClientOptions {
  getHeaders: (context: HeadersContext) => HeaderRecord | Promise<HeaderRecord>;
  lastEventId: string | undefined;
  initialRetryMs: number;
  maxRetryMs: number;
  pauseWhenHidden: boolean;
  pauseWhenOffline: boolean;
  dedupeWindow: number;
  resetEventName: string;
  parse: (type: string, data: string) => unknown;
  credentials: RequestCredentials;
  fetch: typeof fetch;
  random: () => number;
}

const fail = (message: string): never => {
  throw new EventStreamError("invalid_options", message);
};

const isNonNegativeInteger = (value: number) => Number.isSafeInteger(value) && value >= 0;

/** Applies the defaults once; throws `invalid_options` for contradictory or out-of-range options. */
export function resolveEventStreamClientOptions(options: EventStreamClientOptions = {}): ResolvedEventStreamClientOptions {
  if (options.headers !== undefined && options.getHeaders !== undefined) fail("give headers or getHeaders, not both");
  const headers = options.headers ?? {};
  const initialRetryMs = options.initialRetryMs ?? 1000;
  const maxRetryMs = options.maxRetryMs ?? 30_000;
  const dedupeWindow = options.dedupeWindow ?? 1000;
  const resetEventName = options.resetEventName ?? "reset";
  if (!isNonNegativeInteger(initialRetryMs)) fail("initialRetryMs must be a non-negative integer");
  if (!isNonNegativeInteger(maxRetryMs)) fail("maxRetryMs must be a non-negative integer");
  if (initialRetryMs > maxRetryMs) fail(`initialRetryMs (${initialRetryMs}) is larger than maxRetryMs (${maxRetryMs})`);
  if (!isNonNegativeInteger(dedupeWindow)) fail("dedupeWindow must be a non-negative integer");
  if (resetEventName === "" || /[\r\n]/.test(resetEventName)) fail("resetEventName must be a non-empty single-line string");
  if (options.lastEventId !== undefined && /[\0\r\n]/.test(options.lastEventId)) fail("lastEventId cannot contain NUL or line breaks");
  if (options.fetch === undefined && typeof globalThis.fetch !== "function") fail("no fetch: pass options.fetch");
  // Called as a plain function: browsers refuse a fetch called as a method of another object ("Illegal invocation").
  const fetchImpl: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  return {
    getHeaders: options.getHeaders ?? (() => headers),
    lastEventId: options.lastEventId || undefined,
    initialRetryMs,
    maxRetryMs,
    pauseWhenHidden: options.pauseWhenHidden ?? false,
    pauseWhenOffline: options.pauseWhenOffline ?? false,
    dedupeWindow,
    resetEventName,
    parse: options.parse ?? ((_type, data) => JSON.parse(data)),
    credentials: options.credentials ?? "same-origin",
    fetch: fetchImpl,
    random: options.random ?? Math.random,
  };
}
