import { createEventStore, type Checkpoint, type DomainEvent } from "@org/events";
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
 * relays), narrowed by the client's filter. An id the store does not know,
 * or one of another tenant, cannot be resumed: the client gets a reset.
 */
export function eventStoreReplay(db: Kysely<any>, { upTo }: EventStoreReplayOptions = {}): ReplaySource<DomainEvent> {
  const store = createEventStore(db);
  return async function* replay({ lastEventId, filter }) {
    let checkpoint = await store.getCheckpoint(lastEventId, { tenantId: filter?.tenantId });
    if (!checkpoint) throw new SSEError("unknown_last_event_id", `cannot resume after ${lastEventId}: no such event`);
    let until: Checkpoint | undefined;
    if (upTo) {
      const live = await upTo(checkpoint);
      if (live === null || !before(checkpoint, live)) return;
      until = live;
    }
    const narrowing = { tenantId: filter?.tenantId, types: filter?.types, aggregateIds: filter?.aggregateIds, until };
    // Pages until one comes back short: the log is finite at any moment, so this ends.
    for (;;) {
      const page = await store.readAfter(checkpoint, { ...narrowing, limit: PAGE_SIZE });
      yield* page.events;
      if (page.events.length < PAGE_SIZE || page.checkpoint === null) return;
      checkpoint = page.checkpoint;
    }
  };
}
