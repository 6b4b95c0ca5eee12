import type { BroadcastEvent, SSEFilter } from "../filter/filter.js";

/** What a replay source is asked for. */
export interface ReplayRequest {
  /** The client's Last-Event-ID: return the events after it, in log order. */
  readonly lastEventId: string;
  /** The client's filter, so the store can narrow the read (the broadcaster filters again). */
  readonly filter: SSEFilter | undefined;
}

/**
 * Returns the events after `lastEventId`, in the same order the live feed
 * delivers them (the log's commit-safe order), up to at least the moment it
 * is called. It may run ahead of the live feed (events committed but not yet
 * relayed): with events that carry `transactionId` and `position`, the
 * client is sent each event once, never an older after a newer. It may
 * yield the `lastEventId` event itself first (it is not sent again): its
 * position then also drops live events the client already has. When it cannot resume after that id (expired or unknown), it
 * throws `new SSEError("unknown_last_event_id", ...)`: the client then gets a
 * reset event instead of silence. Any other error closes the client so it
 * retries.
 *
 * @example
 * ```ts
 * const replay: ReplaySource<DomainEvent> = async function* ({ lastEventId, filter }) {
 *   const after = await store.checkpointOf(lastEventId);
 *   if (!after) throw new SSEError("unknown_last_event_id", `no event ${lastEventId}`);
 *   yield* store.readAfter(after, { tenantId: filter?.tenantId });
 * };
 * ```
 */
export type ReplaySource<E extends BroadcastEvent = BroadcastEvent> = (
  request: ReplayRequest,
) => AsyncIterable<E> | Iterable<E> | Promise<AsyncIterable<E> | Iterable<E>>;
