/**
 * Stable codes of {@link RedisBusError}. Callers branch on `code`, never on
 * the message.
 *
 * - `invalid_options`: out-of-range or contradictory options at construction.
 * - `invalid_argument`: a function got an argument of the wrong kind (a handler that is not a function).
 * - `invalid_event`: an event without the id, type or place in the log that
 *   ordering and deduplication need.
 * - `invalid_entry`: a stream entry this package did not write (or a corrupt one).
 * - `closed`: the bus was closed.
 */
export type RedisBusErrorCode = "invalid_options" | "invalid_argument" | "invalid_event" | "invalid_entry" | "closed";

/**
 * The one error class of this package: a stable `code`, a readable message
 * and an optional `cause`.
 *
 * @example
 * ```ts
 * try {
 *   await bus.publish(event);
 * } catch (error) {
 *   if (isRedisBusError(error, "closed")) return;
 *   throw error;
 * }
 * ```
 */
export class RedisBusError extends Error {
  override readonly name = "RedisBusError";
  readonly code: RedisBusErrorCode;

  constructor(code: RedisBusErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * True when `error` is a {@link RedisBusError} (with the given code). Checks
 * the shape, not the class, so it works across the ESM and CJS builds.
 */
export function isRedisBusError(error: unknown, code?: RedisBusErrorCode): error is RedisBusError {
  if (typeof error !== "object" || error === null) return false;
  const candidate = error as { name?: unknown; code?: unknown };
  return candidate.name === "RedisBusError" && (code === undefined || candidate.code === code);
}
