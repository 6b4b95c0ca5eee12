/** Stable codes of the errors this package throws. */
export type OutboxErrorCode = "invalid_options" | "not_found" | "invalid_state";

/**
 * Every error thrown by `@org/outbox-publisher`: a stable `code` to branch
 * on and, where there is one, the underlying `cause`.
 */
export class OutboxError extends Error {
  readonly code: OutboxErrorCode;

  constructor(code: OutboxErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Throws `invalid_options` unless `value` is an integer within [min, max]. */
export function checkInteger(field: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new OutboxError("invalid_options", `${field} must be an integer from ${min} to ${max} (got ${String(value)})`);
  }
  return value;
}

/** Throws `invalid_options` unless `value` is a finite number within [min, max]. */
export function checkNumber(field: string, value: number, min: number, max = Number.MAX_VALUE): number {
  if (typeof value !== "number" || Number.isNaN(value) || value < min || value > max) {
    throw new OutboxError("invalid_options", `${field} must be a number from ${min} to ${max} (got ${String(value)})`);
  }
  return value;
}
