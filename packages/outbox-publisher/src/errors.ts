/** Stable codes of the errors this package throws. */
export type OutboxErrorCode = "invalid_options" | "invalid_argument" | "not_found" | "invalid_state";

const CODES: ReadonlySet<string> = new Set<OutboxErrorCode>(["invalid_options", "invalid_argument", "not_found", "invalid_state"]);

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

/**
 * True when `error` is an {@link OutboxError}, with the given code if one is
 * passed. It checks the shape (`name` and `code`), not the class, so it also
 * holds across two copies of this package, where `instanceof` fails.
 *
 * @example
 * if (isOutboxError(error, "not_found")) return c.json({ error: "no such dead letter" }, 404);
 */
export function isOutboxError(error: unknown, code?: OutboxErrorCode): error is OutboxError {
  if (typeof error !== "object" || error === null) return false;
  const candidate = error as { name?: unknown; code?: unknown };
  if (candidate.name !== "OutboxError" || typeof candidate.code !== "string" || !CODES.has(candidate.code)) return false;
  return code === undefined || candidate.code === code;
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
