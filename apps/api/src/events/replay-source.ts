import { createEventStore, isEventsError, type Checkpoint, type DomainEvent, type LogPage } from "@org/events";
import { skippedByFeed } from "@org/outbox-publisher";
import { SSEError, type ReplaySource } from "@org/sse-broadcaster";
import type { Kysely } from "kysely";

const PAGE_SIZE = 500;

/** Options of {@link eventStoreReplay}. */
export interface EventStoreReplayOptions {
  /**
   * Where this process's live feed stands, given the place the client
   * resumes after (the feed may first catch up to it). The replay stops
   * there: whatever comes later, the client gets live, so nothing comes
   * twice when the store is ahead of the feed. Without it, the replay reads
   * to the end of the log (a process whose one feed is the relay).
   */
  upTo?: (after: Checkpoint) => Promise<Checkpoint | null>;
}

const before = (a: Checkpoint, b: Checkpoint) =>
  BigInt(a.transactionId) < BigInt(b.transactionId) || (a.transactionId === b.transactionId && a.position < b.position);

/**
 * The broadcaster's replay for Last-Event-ID resume: the events after that
 * id's checkpoint, in the log's commit-safe order (the order the live feed
 * relays), narrowed by the client's filter, after the Last-Event-ID's own
 * event (which tells the broadcaster the client's place in the log). An id the store does not know,
 * or one of another tenant, cannot be resumed: the client gets a reset.
 */
export function eventStoreReplay(db: Kysely<any>, { upTo }: EventStoreReplayOptions = {}): ReplaySource<DomainEvent> {
  const store = createEventStore(db);
  return async function* replay({ lastEventId, filter }) {
    let checkpoint = await store.getCheckpoint(lastEventId, { tenantId: filter?.tenantId });
    if (!checkpoint) throw new SSEError("unknown_last_event_id", `cannot resume after ${lastEventId}: no such event`);
    // The client's own last event first: the broadcaster does not send it again, but learns where the
    // client stands in the log, and drops live events it already has (the relay may lag the store).
    const own = await store.getEvent(lastEventId);
    if (own) yield own;
    let until: Checkpoint | undefined;
    if (upTo) {
      const live = await upTo(checkpoint);
      if (live === null || !before(checkpoint, live)) return;
      until = live;
    }
    const narrowing = { tenantId: filter?.tenantId, types: filter?.types, aggregateIds: filter?.aggregateIds, until };
    // Pages until one comes back short: the log is finite at any moment, so this ends.
    for (;;) {
      const page: LogPage = await store.readAfter(checkpoint, { ...narrowing, limit: PAGE_SIZE }).catch((error: unknown) => {
        // retention deleted events after the client's place: a reset, never a replay with a hole in it
        if (isEventsError(error, "checkpoint_expired")) throw new SSEError("unknown_last_event_id", `cannot resume after ${lastEventId}: events after it were deleted`, { cause: error });
        throw error;
      });
      // what the ordered feed skipped (only with retry.maxAttempts) never went out live: leave it out here too
      const skipped = await skippedByFeed(db, page.events.map((event) => event.id));
      yield* page.events.filter((event) => !skipped.has(event.id));
      if (page.events.length < PAGE_SIZE || page.checkpoint === null) return;
      checkpoint = page.checkpoint;
    }
  };
}
