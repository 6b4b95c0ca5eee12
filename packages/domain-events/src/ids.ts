import { monotonicFactory } from "ulid";

const nextUlid = monotonicFactory();

/**
 * A new id `<prefix>_<ULID>`; ULIDs are monotonic within a process, so ids
 * made later sort later.
 *
 * @example
 * generateId("stl"); // "stl_01JQXR5..."
 */
export function generateId(prefix: string): string {
  return `${prefix}_${nextUlid()}`;
}

/**
 * A new event id, `evt_<ULID>`.
 *
 * @example
 * newEventId(); // "evt_01JQXR5..."
 */
export function newEventId(): string {
  return generateId("evt");
}
