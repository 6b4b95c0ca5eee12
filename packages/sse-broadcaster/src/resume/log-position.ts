import type { BroadcastEvent } from "../filter/filter.js";

/** An event's place in the log's commit-safe order: `(transactionId, position)`, compared in that order. */
export interface LogPosition {
  readonly transactionId: bigint;
  readonly position: number;
}

const DECIMAL = /^\d{1,20}$/;

/**
 * The event's place in the log, read structurally from its `transactionId`
 * (a decimal string) and `position` (an integer) as `@org/events` gives
 * them; undefined when the event does not carry both.
 */
export function logPositionOf(event: BroadcastEvent): LogPosition | undefined {
  const { transactionId, position } = event;
  if (typeof transactionId !== "string" || !DECIMAL.test(transactionId) || typeof position !== "number" || !Number.isSafeInteger(position)) {
    return undefined;
  }
  return { transactionId: BigInt(transactionId), position };
}

/** Negative when `a` comes first in the log, 0 when equal, positive when after. */
export function compareLogPositions(a: LogPosition, b: LogPosition): number {
  if (a.transactionId !== b.transactionId) return a.transactionId < b.transactionId ? -1 : 1;
  return a.position - b.position;
}
