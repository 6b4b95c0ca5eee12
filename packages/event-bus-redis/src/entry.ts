import type { DomainEvent } from "@org/events";
import { RedisBusError } from "./errors.js";

/** A stream entry as this package writes it. */
export interface StreamEntry {
  /** The Redis stream id (`<ms>-<seq>`). */
  streamId: string;
  /** The event's log key (see logKey). */
  key: string;
  /** The log key of the entry appended before it, "" for the first of a stream. */
  previous: string;
  /** The publisher failed to append something before this entry. */
  publisherGap: boolean;
  /** Changes when the stream was lost and started anew. */
  epoch: string;
  event: DomainEvent;
}

/** The JSON stored in an entry's `event` field. */
export function encodeEvent(event: DomainEvent): string {
  return JSON.stringify(event);
}

/** Reads one `[id, [field, value, …]]` reply of XREAD / XRANGE. */
export function decodeEntry([streamId, fields]: [string, string[]]): StreamEntry {
  const map = new Map<string, string>();
  for (let index = 0; index + 1 < fields.length; index += 2) map.set(fields[index]!, fields[index + 1]!);
  const key = map.get("key");
  const json = map.get("event");
  const epoch = map.get("epoch");
  if (key === undefined || json === undefined || epoch === undefined) {
    throw new RedisBusError("invalid_entry", `stream entry ${streamId} was not written by @org/event-bus-redis`);
  }
  let raw: DomainEvent & { createdAt: string; publishedAt: string | null };
  try {
    raw = JSON.parse(json);
  } catch (cause) {
    throw new RedisBusError("invalid_entry", `stream entry ${streamId} holds invalid JSON`, { cause });
  }
  return {
    streamId,
    key,
    previous: map.get("previous") ?? "",
    publisherGap: map.get("gap") === "1",
    epoch,
    event: { ...raw, createdAt: new Date(raw.createdAt), publishedAt: raw.publishedAt === null ? null : new Date(raw.publishedAt) },
  };
}
