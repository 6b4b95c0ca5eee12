import { assertEventTypePattern, isEventsError } from "@org/events";
import { OutboxError } from "./errors.js";

/**
 * Checks event type patterns (the grammar of docs/DESIGN.md) when options are
 * resolved, so a bad one is an `OutboxError("invalid_options")` at once
 * rather than an `@org/events` error from the first query.
 */
export function checkTypePatterns(types: readonly string[] | undefined, field = "types"): readonly string[] | undefined {
  if (types === undefined) return undefined;
  if (!Array.isArray(types)) throw new OutboxError("invalid_options", `${field} must be an array of event type patterns`);
  types.forEach((pattern, i) => {
    try {
      assertEventTypePattern(pattern, `${field}[${i}]`);
    } catch (error) {
      if (isEventsError(error)) throw new OutboxError("invalid_options", error.message, { cause: error });
      throw error;
    }
  });
  return types;
}
