import { InMemoryEventBus, type DomainEvent } from "@org/events";
import { createEventPublisher, notifyEventsCommitted, pgliteListener, type EventPublisher, type OutboxMetric } from "@org/outbox-publisher";
import { advisoryLockLeader, pgListener } from "@org/outbox-publisher/pg";
import { createSSEBroadcaster, type SSEBroadcaster } from "@org/sse-broadcaster";
import type { OpenDatabase } from "../db/open-database.js";
import { serializeEventData } from "./event-json.js";
import { eventStoreReplay } from "./replay-source.js";

/** The live path: publisher → bus → broadcaster, and the wake-up writers send. */
export interface LiveFeed {
  broadcaster: SSEBroadcaster<DomainEvent>;
  publisher: EventPublisher;
  /** Wakes the relay after a commit (never inside the transaction). */
  afterCommit(): void;
  start(): Promise<void>;
}

/** Options of {@link createLiveFeed}. */
export interface LiveFeedOptions {
  database: OpenDatabase;
  /** Needed on PostgreSQL: the relay's lock and LISTEN live on connections of their own. */
  databaseUrl?: string | undefined;
  pollIntervalMs: number;
  heartbeatIntervalMs: number;
  /** SSE connections per tenant (the broadcaster's key) at most. @default Infinity */
  maxClientsPerTenant?: number;
  /** A slow client's queue bounds (see the broadcaster's `maxQueueBytes`, `maxQueueEvents`). */
  maxQueueBytes?: number;
  maxQueueEvents?: number;
  /** The publisher's metrics (errors are also logged, one line each). */
  onMetric?: (metric: OutboxMetric) => void;
}

/**
 * Wires the libraries: the publisher relays committed events in log order
 * to an in-memory bus, which feeds the broadcaster; the broadcaster resumes
 * clients from the event store. On PostgreSQL one process relays (advisory
 * lock) and wake-ups go through LISTEN/NOTIFY; on PGlite, everything is in
 * this process.
 */
export function createLiveFeed({ database, databaseUrl, pollIntervalMs, heartbeatIntervalMs, maxClientsPerTenant, maxQueueBytes, maxQueueEvents, onMetric }: LiveFeedOptions): LiveFeed {
  const { db, pglite } = database;
  const broadcaster = createSSEBroadcaster<DomainEvent>({
    heartbeatIntervalMs,
    maxClientsPerKey: maxClientsPerTenant,
    maxQueueBytes,
    maxQueueEvents,
    serialize: serializeEventData,
    replay: eventStoreReplay(db),
    onError: (error, { clientId }) => console.error(`SSE replay for ${clientId} failed:`, error),
  });
  const onPostgres = database.kind === "postgres" && databaseUrl !== undefined;
  const publisher = createEventPublisher(db, {
    pollIntervalMs,
    ...(onPostgres
      ? { listen: pgListener({ connectionString: databaseUrl }), leader: advisoryLockLeader({ connectionString: databaseUrl }) }
      : pglite
        ? { listen: pgliteListener(pglite) }
        : {}),
    onMetric: (metric) => {
      // One line: while the database is away this repeats every poll, and a stack trace says nothing new.
      if (metric.type === "error") console.error(`publisher: ${metric.error instanceof Error ? metric.error.message : String(metric.error)}`);
      onMetric?.(metric);
    },
  });
  const bus = new InMemoryEventBus();
  publisher.onEvent((event) => bus.publish(event));
  bus.subscribe("*", (event) => void broadcaster.broadcast(event));

  return {
    broadcaster,
    publisher,
    // On PostgreSQL the relay may be another instance, so wake it through NOTIFY; PGlite's relay is here.
    afterCommit: onPostgres ? () => void notifyEventsCommitted(db) : () => publisher.notify(),
    start: () => publisher.start(),
  };
}
