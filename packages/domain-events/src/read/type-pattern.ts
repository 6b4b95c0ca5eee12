import { ValidationError } from "../errors.js";

const PATTERN = /^(\*|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(\.\*)?)$/;

/**
 * Whether an event type matches a pattern: the exact type, `prefix.*` (every
 * type that starts with `prefix.`), or `*` (every type).
 *
 * @example
 * matchesEventType("settlement.*", "settlement.created"); // true
 * matchesEventType("settlement.*", "payment.created");    // false
 */
export function matchesEventType(pattern: string, eventType: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith(".*")) return eventType.startsWith(pattern.slice(0, -1));
  return pattern === eventType;
}

/**
 * Checks a type pattern; throws ValidationError naming `field` otherwise.
 *
 * @example
 * assertEventTypePattern("settlement.*"); // ok
 * assertEventTypePattern("settle%");      // throws
 */
export function assertEventTypePattern(pattern: unknown, field = "types"): asserts pattern is string {
  if (typeof pattern !== "string" || !PATTERN.test(pattern)) {
    throw new ValidationError(field, `"${String(pattern)}" is not an event type pattern (a type, "prefix.*" or "*")`);
  }
}
