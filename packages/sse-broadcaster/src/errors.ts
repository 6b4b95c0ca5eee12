/**
 * Stable codes of {@link SSEError}. Callers branch on `code`, never on the
 * message.
 *
 * - `invalid_field`: an event name, id or retry value would break the SSE framing.
 * - `invalid_filter`: a type pattern other than `type`, `prefix.*` or `*`.
 * - `invalid_options`: contradictory or out-of-range options at construction.
 * - `too_many_clients`: `maxClients` or `maxClientsPerKey` reached (HTTP 503).
 * - `duplicate_client`: a client with that id is already connected (HTTP 409).
 * - `unknown_last_event_id`: thrown by a replay source when it cannot resume
 *   after the given id (expired or never existed); the client gets a reset event.
 * - `closed`: the broadcaster was closed.
 */
export type SSEErrorCode =
  | "invalid_field"
  | "invalid_filter"
  | "invalid_options"
  | "too_many_clients"
  | "duplicate_client"
  | "unknown_last_event_id"
  | "closed";

/**
 * The one error class of this package: a stable `code`, a readable message
 * and an optional `cause`.
 *
 * @example
 * ```ts
 * try {
 *   broadcaster.addClient(id, sink);
 * } catch (error) {
 *   if (isSSEError(error, "too_many_clients")) return c.text("busy", 503);
 *   throw error;
 * }
 * ```
 */
export class SSEError extends Error {
  override readonly name = "SSEError";
  readonly code: SSEErrorCode;

  constructor(code: SSEErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * True when `error` is an {@link SSEError} with the given code. Works across
 * copies of this package (ESM and CJS builds loaded side by side) because it
 * checks the shape, not the class identity.
 *
 * @example
 * ```ts
 * if (isSSEError(error, "unknown_last_event_id")) { ... }
 * ```
 */
export function isSSEError(error: unknown, code?: SSEErrorCode): error is SSEError {
  if (typeof error !== "object" || error === null) return false;
  const candidate = error as { name?: unknown; code?: unknown };
  return candidate.name === "SSEError" && (code === undefined || candidate.code === code);
}
