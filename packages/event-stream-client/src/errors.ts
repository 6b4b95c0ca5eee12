/**
 * Stable codes of {@link EventStreamError}. Callers branch on `code`, never
 * on the message.
 *
 * - `invalid_options`: contradictory or out-of-range options at construction.
 * - `network`: the request failed or the stream broke off (retried).
 * - `stream_ended`: the server ended the response (retried).
 * - `http_status`: the server answered with a status other than 200; 408,
 *   429 and 5xx are retried, any other closes the client.
 * - `unauthorized`: 401 even with headers fetched again with
 *   `getHeaders({ refresh: true })`; closes the client.
 * - `bad_content_type`: the answer is not `text/event-stream`; closes the client.
 * - `get_headers_failed`: `getHeaders` threw or rejected (retried).
 * - `bad_data`: an event's `data:` is not JSON (or `parse` threw); the event is skipped.
 * - `handler_failed`: a handler threw; the stream goes on.
 */
export type EventStreamErrorCode =
  | "invalid_options"
  | "network"
  | "stream_ended"
  | "http_status"
  | "unauthorized"
  | "bad_content_type"
  | "get_headers_failed"
  | "bad_data"
  | "handler_failed";

/**
 * The one error class of this package: a stable `code`, a readable message,
 * an optional `cause`, and the HTTP `status` when there was one.
 *
 * @example
 * ```ts
 * client.onStatus(({ status, error }) => {
 *   if (status === "closed" && isEventStreamError(error, "unauthorized")) showLogin();
 * });
 * ```
 */
export class EventStreamError extends Error {
  override readonly name = "EventStreamError";
  readonly code: EventStreamErrorCode;
  readonly status: number | undefined;

  constructor(code: EventStreamErrorCode, message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options?.status;
  }
}

/**
 * True when `error` is an {@link EventStreamError} (with the given code).
 * Checks the shape, not the class identity, so it works across copies of
 * this package (ESM and CJS builds side by side).
 */
export function isEventStreamError(error: unknown, code?: EventStreamErrorCode): error is EventStreamError {
  if (typeof error !== "object" || error === null) return false;
  const candidate = error as { name?: unknown; code?: unknown };
  return candidate.name === "EventStreamError" && (code === undefined || candidate.code === code);
}
