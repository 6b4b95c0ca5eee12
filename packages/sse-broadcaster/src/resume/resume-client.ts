import { isSSEError } from "../errors.js";
import type { SSEClient } from "../client/client.js";
import type { BroadcastEvent, SSEFilter } from "../filter/filter.js";
import { logPositionOf } from "./log-position.js";
import type { ReplaySource } from "./replay-source.js";

/** What {@link resumeClient} needs from the broadcaster. */
export interface ResumeDeps<E extends BroadcastEvent> {
  replay: ReplaySource<E> | undefined;
  /** Encodes an event as a frame (throws on an invalid name or id). */
  encode(event: E): Uint8Array;
  /** The reset frame for a client that cannot be resumed. */
  resetFrame(reason: "unknown_last_event_id" | "resume_unsupported"): Uint8Array;
  /** Outcome counters and the failure path. */
  resumed(): void;
  reset(): void;
  failed(client: SSEClient, error: unknown): void;
}

/**
 * Brings a reconnecting client up to date with no gap and no duplicate. The
 * client already holds live frames (it was subscribed before this runs), so
 * nothing published during the replay is missed; replayed events are written
 * with backpressure (awaiting the client's drain), then the held live frames
 * are released minus what the replay already sent. Events that carry their
 * log position are compared by it (the replay may run ahead of the live
 * feed: a live event at or before the last one sent is dropped, then and
 * later); a replay that yields the Last-Event-ID's own event first tells
 * where the client stands even when nothing follows it. Events without a
 * position are deduplicated by the ids replayed.
 *
 * @example
 * ```ts
 * client.hold();
 * void resumeClient(client, "evt_41", filter, deps);
 * ```
 */
export async function resumeClient<E extends BroadcastEvent>(
  client: SSEClient,
  lastEventId: string,
  filter: SSEFilter | undefined,
  deps: ResumeDeps<E>,
): Promise<void> {
  if (deps.replay === undefined) {
    client.push(deps.resetFrame("resume_unsupported"));
    deps.reset();
    return client.release(new Set());
  }
  // Ids of replayed events without a log position; with one, the client keeps only the last position sent.
  const sent = new Set<string>([lastEventId]);
  try {
    const events = await deps.replay({ lastEventId, filter });
    for await (const event of events) {
      if (client.closed) return;
      const at = logPositionOf(event);
      if (event.id === lastEventId) {
        // the client's own last event: not sent again, but its place tells what the client already has
        if (at !== undefined) client.sentUpTo(at);
        continue;
      }
      if (at === undefined ? sent.has(event.id) : !client.isNew(at)) continue;
      // Filter again: the tenant boundary must not depend on the store honouring it.
      if (!client.filter.matches(event)) continue;
      client.push(deps.encode(event));
      if (at === undefined) sent.add(event.id);
      else client.sentUpTo(at);
      // Replayed frames coalesce too; wait only while the transport is full.
      if (client.busy) await client.whenDrained();
    }
    if (client.closed) return;
    deps.resumed();
    client.release(sent);
  } catch (error) {
    if (client.closed) return;
    if (isSSEError(error, "unknown_last_event_id")) {
      client.push(deps.resetFrame("unknown_last_event_id"));
      deps.reset();
      return client.release(new Set());
    }
    deps.failed(client, error);
  }
}
