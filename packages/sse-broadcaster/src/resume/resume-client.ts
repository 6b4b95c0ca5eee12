import { isSSEError } from "../errors.js";
import type { SSEClient } from "../client/client.js";
import type { BroadcastEvent, SSEFilter } from "../filter/filter.js";
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
 * are released minus the ids the replay already sent.
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
  const sent = new Set<string>([lastEventId]);
  try {
    const events = await deps.replay({ lastEventId, filter });
    for await (const event of events) {
      if (client.closed) return;
      // Filter again: the tenant boundary must not depend on the store honouring it.
      if (sent.has(event.id) || !client.filter.matches(event)) continue;
      client.push(deps.encode(event));
      sent.add(event.id);
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
