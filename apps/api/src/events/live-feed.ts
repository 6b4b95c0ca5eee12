import { InMemoryEventBus, type DomainEvent } from "@org/events";
import { createRedisEventBus, type RedisEventBus } from "@org/event-bus-redis";
import {
  createEventPublisher,
  createLogFollower,
  notifyEventsCommitted,
  pgliteListener,
  type EventPublisher,
  type LogFollower,
  type OutboxMetric,
} from "@org/outbox-publisher";
import { advisoryLockLeader, pgListener } from "@org/outbox-publisher/pg";
import { createSSEBroadcaster, type SSEBroadcaster } from "@org/sse-broadcaster";
import type { OpenDatabase } from "../db/open-database.js";
import { inEventSpan, SpanKind } from "../tracing/trace-context.js";
import { serializeEventData } from "./event-json.js";
import { followerPosition } from "./follower-position.js";
import { eventStoreReplay } from "./replay-source.js";

/**
 * How this process gets live events:
 * - `single`: embedded PGlite, one process: the relay feeds the broadcaster;
 * - `postgres`: every instance follows the log itself (LISTEN/NOTIFY and a poll);
 * - `redis`: the relay appends to a Redis Stream that every instance reads.
 */
export type LiveFeedMode = "single" | "postgres" | "redis";

/** The live path: publisher → bus → broadcaster, and the wake-up writers send. */
export interface LiveFeed {
  mode: LiveFeedMode;
  broadcaster: SSEBroadcaster<DomainEvent>;
  publisher: EventPublisher;
  /** What feeds this process's clients on PostgreSQL (both modes). */
  follower: LogFollower | undefined;
  /** The Redis bus (redis mode). */
  bus: RedisEventBus | undefined;
  /** Wakes the relay after a commit (never inside the transaction). */
  afterCommit(): void;
  /** Calls `handler` with every event this process's feed delivers (what its SSE clients get); returns the function that removes it. */
  onEvent(handler: (event: DomainEvent) => void): () => void;
  start(): Promise<void>;
  /** Stops the relay, the follower and the bus; rejects with an AggregateError of what failed. */
  stop(): Promise<void>;
}

/** Options of {@link createLiveFeed}. */
export interface LiveFeedOptions {
  database: OpenDatabase;
  /** Needed on PostgreSQL: the relay's lock and LISTEN live on connections of their own. */
  databaseUrl?: string | undefined;
  /** With PostgreSQL: carry events between instances on a Redis Stream. */
  redisUrl?: string | undefined;
  /** Prefix of the Redis keys (one per log). */
  redisKeyPrefix?: string | undefined;
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

/** With Redis, each instance still polls the log this often, in case a stream hole went unnoticed. */
const REDIS_SAFETY_POLL_MS = 5_000;

/**
 * Wires the libraries. One relay (advisory lock on PostgreSQL) marks events
 * published. What feeds this process's SSE clients depends on the mode:
 * with embedded PGlite, the relay itself through an in-memory bus; on
 * PostgreSQL, a follower of the log in this process (every instance has
 * one, so every client gets every event whichever instance it is on); with
 * Redis as well, the relay appends to a Redis Stream and each instance's
 * follower takes the events from it, reading the log only to fill a hole
 * the stream reports. Either way a resuming client is replayed up to where
 * this process's feed stands, and gets the rest live.
 */
export function createLiveFeed(options: LiveFeedOptions): LiveFeed {
  const { database, databaseUrl, redisUrl, redisKeyPrefix, pollIntervalMs, heartbeatIntervalMs, maxClientsPerTenant, maxQueueBytes, maxQueueEvents, onMetric } = options;
  const { db, pglite } = database;
  const onPostgres = database.kind === "postgres" && databaseUrl !== undefined;
  const mode: LiveFeedMode = !onPostgres ? "single" : redisUrl ? "redis" : "postgres";
  // One line each: while a server is away these repeat, and a stack trace says nothing new.
  const logError = (source: string) => (error: unknown) => console.error(`${source}: ${error instanceof Error ? error.message : String(error)}`);

  const follower: LogFollower | undefined = onPostgres
    ? createLogFollower(db, {
        ...(mode === "postgres"
          ? { listen: pgListener({ connectionString: databaseUrl, applicationName: "log-follower" }), pollIntervalMs }
          : { pollIntervalMs: REDIS_SAFETY_POLL_MS }),
        onError: logError("log follower"),
      })
    : undefined;
  const bus: RedisEventBus | undefined =
    mode === "redis" ? createRedisEventBus({ redis: redisUrl!, keyPrefix: redisKeyPrefix, onError: logError("redis event bus") }) : undefined;

  const broadcaster = createSSEBroadcaster<DomainEvent>({
    heartbeatIntervalMs,
    maxClientsPerKey: maxClientsPerTenant,
    maxQueueBytes,
    maxQueueEvents,
    serialize: serializeEventData,
    replay: eventStoreReplay(db, follower ? { upTo: followerPosition(follower) } : {}),
    onError: (error, { clientId }) => console.error(`SSE replay for ${clientId} failed:`, error),
  });
  const publisher = createEventPublisher(db, {
    pollIntervalMs,
    ...(onPostgres
      ? { listen: pgListener({ connectionString: databaseUrl }), leader: advisoryLockLeader({ connectionString: databaseUrl }) }
      : pglite
        ? { listen: pgliteListener(pglite) }
        : {}),
    // With Redis, an append that fails (Redis unreachable) holds the feed and is retried, never dead-lettered.
    ...(bus ? { retry: { maxAttempts: Number.POSITIVE_INFINITY, initialDelayMs: 100, maxDelayMs: 2_000 } } : {}),
    onMetric: (metric) => {
      if (metric.type === "error") logError("publisher")(metric.error);
      onMetric?.(metric);
    },
  });

  // Each continues the trace of the command that wrote the event (a no-op without an OpenTelemetry SDK).
  const relay = (event: DomainEvent, forward: () => unknown) => inEventSpan(`relay ${event.eventType}`, event, SpanKind.PRODUCER, async () => void (await forward()));
  const broadcast = (event: DomainEvent) => inEventSpan(`sse broadcast ${event.eventType}`, event, SpanKind.PRODUCER, async () => void (await broadcaster.broadcast(event)));

  if (follower) {
    follower.onEvent((event) => void broadcast(event));
  } else {
    const local = new InMemoryEventBus();
    publisher.onEvent((event) => relay(event, () => local.publish(event)));
    local.subscribe("*", (event) => void broadcast(event));
  }
  if (bus && follower) {
    // One round trip per batch the relay read, not one per event (see docs/SCALING.md).
    publisher.onBatch((events) => bus.publishBatch(events));
    // The stream is contiguous unless it says otherwise: then the log fills the hole.
    bus.subscribe("*", async (event) => void (await follower.accept(event)));
    bus.onReset(() => follower.catchUp());
  } else if (follower) {
    publisher.onEvent((event) => relay(event, () => undefined)); // the relay only marks: its span still joins the trace
  }

  return {
    mode,
    broadcaster,
    publisher,
    follower,
    bus,
    onEvent: (handler) => (follower ? follower.onEvent(handler) : publisher.onEvent(handler)),
    // On PostgreSQL, notifyEventsCommitted wakes this process's relay and follower at once and the other instances by a NOTIFY (coalesced).
    afterCommit: () => {
      if (onPostgres) void notifyEventsCommitted(db);
      else publisher.notify();
    },
    async start() {
      // The stream's place first, then the log's head: what commits in between comes from one or the other.
      await bus?.start();
      await follower?.start();
      await publisher.start();
    },
    async stop() {
      const errors: unknown[] = [];
      const step = (promise: Promise<unknown> | undefined) => promise?.catch((error) => void errors.push(error));
      await step(publisher.stop());
      await step(follower?.stop());
      await step(bus?.close());
      if (errors.length > 0) throw new AggregateError(errors, `live feed stop met ${errors.length} error(s)`);
    },
  };
}
