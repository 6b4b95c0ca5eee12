import type { Checkpoint, DomainEvent } from "@org/events";
import { RedisBusError } from "./errors.js";

const DIGITS = 20; // 2^64 has 20 decimal digits: xid8 and bigint positions fit

/**
 * An event's place in the log's commit-safe order `(transactionId,
 * position)` as a fixed-width string, so that Lua (and JavaScript) compare
 * two places by comparing strings: `"00…0042:00…0007"`.
 */
export function logKey(checkpoint: Checkpoint): string {
  return `${checkpoint.transactionId.padStart(DIGITS, "0")}:${String(checkpoint.position).padStart(DIGITS, "0")}`;
}

/** The checkpoint a {@link logKey} encodes. */
export function checkpointOfKey(key: string): Checkpoint {
  const [transactionId = "", position = ""] = key.split(":");
  return { transactionId: BigInt(transactionId).toString(), position: Number(position) };
}

/** Refuses an event the stream cannot order or deduplicate. */
export function checkPublishable(event: DomainEvent): void {
  const fail = (message: string): never => {
    throw new RedisBusError("invalid_event", message);
  };
  if (typeof event !== "object" || event === null) fail("event must be an object");
  if (typeof event.id !== "string" || event.id === "") fail("event.id must be a non-empty string");
  if (typeof event.eventType !== "string" || event.eventType === "") fail("event.eventType must be a non-empty string");
  if (typeof event.transactionId !== "string" || !/^\d{1,20}$/.test(event.transactionId)) {
    fail("event.transactionId must be a decimal string (its place in the log orders the stream)");
  }
  if (!Number.isSafeInteger(event.position) || event.position < 0) fail("event.position must be a non-negative integer");
}
