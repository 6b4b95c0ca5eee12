import { SSEError } from "../errors.js";

// CR and LF would end the field; NUL makes parsers ignore an `id` field.
const FORBIDDEN = /[\r\n\0]/;

/**
 * Throws `SSEError("invalid_field")` when `value` contains CR, LF or NUL.
 * Event names and ids are single-line fields: unlike data they cannot be
 * split, so a bad value is refused rather than silently altered.
 *
 * @example
 * ```ts
 * assertSingleLineField("event", "settlement.created"); // ok
 * assertSingleLineField("id", "evt_1\nevent: x"); // throws SSEError invalid_field
 * ```
 */
export function assertSingleLineField(field: "event" | "id", value: string): void {
  if (typeof value !== "string") {
    throw new SSEError("invalid_field", `SSE ${field} must be a string, got ${typeof value}`);
  }
  if (FORBIDDEN.test(value)) {
    throw new SSEError(
      "invalid_field",
      `SSE ${field} ${JSON.stringify(value)} contains CR, LF or NUL, which would break the framing`,
    );
  }
}

/**
 * Throws `SSEError("invalid_field")` unless `value` is a non-negative safe
 * integer, the only `retry:` value the parser accepts.
 *
 * @example
 * ```ts
 * assertRetry(3000); // ok
 * assertRetry(-1); // throws
 * ```
 */
export function assertRetry(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new SSEError("invalid_field", `SSE retry must be a non-negative integer, got ${String(value)}`);
  }
}
