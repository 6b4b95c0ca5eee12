import { randomUUID } from "node:crypto";
import { assertEventTypePattern, matchesEventType, type Checkpoint, type DomainEvent, type EventBus, type EventHandler } from "@org/events";
import { Redis } from "ioredis";
import { abortableDelay } from "./abortable-delay.js";
import { encodeEvent } from "./entry.js";
import { RedisBusError } from "./errors.js";
import { checkPublishable, logKey } from "./log-key.js";
import { resolveRedisEventBusOptions, type RedisEventBusOptions } from "./options.js";
import { APPEND_SCRIPT, Script } from "./scripts.js";
import { StreamReader, type HoleReason } from "./stream-reader.js";
import { untilAborted } from "./until-aborted.js";

/**
 * Why a reader may have missed entries:
 * - `trimmed`: entries it had not read yet were trimmed (by length or age);
 * - `stream_replaced`: the stream was lost and started anew (a Redis
 *   restart without persistence, a deleted key);
 * - `publisher_gap`: the publisher failed to append something (Redis was
 *   unreachable), or has just started and cannot vouch for its predecessor.
 */
export type StreamResetReason = HoleReason;

/** The signal that this bus may have skipped events: fill the gap from the source of truth. */
export interface StreamReset {
  reason: StreamResetReason;
  /** The place in the log of the last event this bus delivered, or null before the first. */
  lastDelivered: Checkpoint | null;
}

/**
 * Receives resets; awaited before the next event is delivered. One that
 * throws is called again (after `retryDelayMs`) until it succeeds or the bus
 * closes: a hole is filled before anything after it is delivered.
 */
export type ResetListener = (reset: StreamReset) => void | Promise<void>;

/** In-process counters of a {@link RedisEventBus}. */
export interface RedisEventBusStats {
  /** Events this process appended to the stream. */
  appended: number;
  /** Round trips that appended (one per `publish` or `publishBatch` call that reached Redis, however many events). */
  appendCalls: number;
  /** Publishes refused because the stream already held the event (or a later one). */
  duplicates: number;
  /** Events handed to this process's subscribers. */
  delivered: number;
  /** Entries read but not delivered: at or before an event already delivered. */
  skipped: number;
  /** Resets signalled (see {@link StreamResetReason}). */
  resets: number;
  /** Failed reads, handler failures and unreadable entries. */
  errors: number;
  /** Times the reading connection came back after it was lost. */
  reconnects: number;
}

/** The EventBus of `@org/events` on a Redis Stream. */
export interface RedisEventBus extends EventBus {
  /**
   * Appends `event` to the stream unless it is already there: the stream is
   * in log order `(transactionId, position)`, so an event at or before the
   * last appended one (the same event sent again by a relay that took over)
   * is not appended twice. Resolves once Redis holds it; subscribers, in this
   * process and every other, receive it from the stream. Rejects when Redis
   * cannot be reached (retry: the next append marks the gap for readers).
   */
  publish(event: DomainEvent): Promise<void>;
  /**
   * Appends `events`, in the order given, in one round trip (one script
   * run, all or nothing): each as {@link publish} would, so an event at or
   * before the last appended one is left out. Every event is checked before
   * anything is sent (a bad one throws `invalid_event` and appends nothing).
   * The relay hands each batch it read over this way (see
   * `EventPublisher.onBatch` of `@org/outbox-publisher`).
   */
  publishBatch(events: readonly DomainEvent[]): Promise<void>;
  /**
   * Subscribes to a type pattern (`settlement.created`, `settlement.*`, `*`;
   * a malformed one throws `ValidationError` of `@org/events`) and starts
   * reading if not yet started. Returns the function that unsubscribes.
   */
  subscribe<E extends DomainEvent = DomainEvent>(pattern: string, handler: EventHandler<E>): () => void;
  /**
   * Starts reading at the stream's current end; resolves once that place is
   * known (events appended after it will be delivered). Idempotent.
   */
  start(): Promise<void>;
  /** Adds a reset listener; returns the function that removes it. */
  onReset(listener: ResetListener): () => void;
  /**
   * Stops reading, waits for the event being delivered, closes the
   * connections this bus opened (a client passed in stays open). Idempotent.
   */
  close(): Promise<void>;
  getStats(): RedisEventBusStats;
}

/**
 * An EventBus across processes on one Redis Stream. Publishers append in
 * log order, deduplicated by the event's place in the log (so by event id);
 * every process reads with `XREAD BLOCK` on a connection of its own from the
 * last stream id it read, so a dropped connection resumes where it stopped.
 * Each entry names the one before it: a reader that finds a hole (trimmed
 * entries, a stream lost with a Redis restart, a publisher that failed to
 * append) signals a {@link StreamReset} before delivering on, so the caller
 * can fill the hole from the log. Handlers of one event run concurrently;
 * events are delivered one after the other, in stream order, never twice.
 *
 * @example
 * ```ts
 * const bus = createRedisEventBus({ redis: process.env.REDIS_URL! });
 * bus.onReset(async ({ lastDelivered }) => catchUpFromTheStore(lastDelivered));
 * bus.subscribe("settlement.*", (event) => broadcaster.broadcast(event));
 * await bus.start();
 * publisher.onEvent((event) => bus.publish(event)); // on the relay
 * // on shutdown
 * await bus.close();
 * ```
 */
export function createRedisEventBus(options: RedisEventBusOptions): RedisEventBus {
  const resolved = resolveRedisEventBusOptions(options);
  const { keyPrefix, maxLength, maxAgeMs, blockMs, readCount, retryDelayMs, onError } = resolved;
  const ownsWriter = typeof resolved.redis === "string";
  const writer = typeof resolved.redis === "string" ? new Redis(resolved.redis, { lazyConnect: true, connectionName: `event-bus-redis:${resolved.keyPrefix}:writer` }) : resolved.redis;
  const keys = [`{${keyPrefix}}:stream`, `{${keyPrefix}}:head`];
  const append = new Script(APPEND_SCRIPT);
  const subscriptions = new Map<string, Set<EventHandler<any>>>();
  const resetListeners = new Set<ResetListener>();
  const stats: RedisEventBusStats = { appended: 0, appendCalls: 0, duplicates: 0, delivered: 0, skipped: 0, resets: 0, errors: 0, reconnects: 0 };
  const stop = new AbortController();
  const report = (error: unknown) => {
    stats.errors += 1;
    try {
      onError?.(error);
    } catch {
      // a failing error listener must not stop the reader
    }
  };
  if (ownsWriter) writer.on("error", report);

  // A new publisher cannot know whether its predecessor failed to append something.
  let publisherGap = true;
  let reader: Redis | undefined;
  let started: Promise<void> | undefined;
  let loop: Promise<void> | undefined;

  // A command on a connection that is reconnecting may never settle once it is closed: stop waiting at close().
  const untilClosed = <T>(command: Promise<T>): Promise<T> => untilAborted(command, stop.signal, () => new RedisBusError("closed", "the bus was closed"));

  async function signalReset(reason: StreamResetReason, lastDelivered: Checkpoint | null): Promise<void> {
    stats.resets += 1;
    const reset: StreamReset = { reason, lastDelivered };
    // The hole must be filled before delivering on: a listener that fails is called again until it succeeds.
    let pending = [...resetListeners];
    while (pending.length > 0 && !stop.signal.aborted) {
      const results = await Promise.allSettled(pending.map(async (listener) => listener(reset)));
      pending = pending.filter((_, index) => results[index]!.status === "rejected");
      for (const result of results) if (result.status === "rejected") report(result.reason);
      if (pending.length > 0) await abortableDelay(retryDelayMs, stop.signal);
    }
  }

  async function deliver(event: DomainEvent): Promise<void> {
    const handlers: EventHandler<any>[] = [];
    for (const [pattern, subscribed] of subscriptions) if (matchesEventType(pattern, event.eventType)) handlers.push(...subscribed);
    stats.delivered += 1;
    const results = await Promise.allSettled(handlers.map(async (handler) => handler(event)));
    const failures = results.flatMap((result) => (result.status === "rejected" ? [result.reason] : []));
    if (failures.length > 0) report(new AggregateError(failures, `${failures.length} handler(s) failed for ${event.eventType} ${event.id}`));
  }

  const start = (): Promise<void> => {
    if (stop.signal.aborted) return Promise.reject(new RedisBusError("closed", "the bus was closed"));
    started ??= (async () => {
      // A blocking read holds its connection: read on one of our own. Commands wait for a reconnection.
      const connection = writer.duplicate({
        connectionName: `event-bus-redis:${keyPrefix}:reader`,
        lazyConnect: false,
        maxRetriesPerRequest: null,
        autoResendUnfulfilledCommands: true,
      });
      reader = connection;
      connection.on("error", report);
      const streamReader = new StreamReader({
        connection,
        keys: [keys[0]!, keys[1]!],
        readCount,
        blockMs,
        retryDelayMs,
        signal: stop.signal,
        untilClosed,
        report,
        deliver,
        hole: signalReset,
        stats,
      });
      ({ loop } = await streamReader.start());
    })();
    return started;
  };

  async function publishBatch(events: readonly DomainEvent[]): Promise<void> {
    if (stop.signal.aborted) throw new RedisBusError("closed", "the bus was closed");
    if (!Array.isArray(events)) throw new RedisBusError("invalid_event", "events must be an array");
    for (const event of events) checkPublishable(event);
    if (events.length === 0) return;
    const args = [publisherGap ? "1" : "0", randomUUID(), String(maxLength), String(maxAgeMs)];
    for (const event of events) args.push(logKey(event), event.id, event.eventType, encodeEvent(event));
    try {
      const appended = await append.run<number>(writer, keys, args);
      stats.appendCalls += 1;
      if (appended > 0) publisherGap = false;
      stats.appended += appended;
      stats.duplicates += events.length - appended;
    } catch (error) {
      // Maybe appended, maybe not: the next append tells readers to check.
      publisherGap = true;
      throw error;
    }
  }

  let closing: Promise<void> | undefined;

  return {
    publish: (event) => publishBatch([event]),

    publishBatch,

    subscribe<E extends DomainEvent = DomainEvent>(pattern: string, handler: EventHandler<E>): () => void {
      assertEventTypePattern(pattern, "pattern");
      if (typeof handler !== "function") throw new RedisBusError("invalid_argument", "handler must be a function");
      if (stop.signal.aborted) throw new RedisBusError("closed", "the bus was closed");
      let handlers = subscriptions.get(pattern);
      if (!handlers) subscriptions.set(pattern, (handlers = new Set()));
      handlers.add(handler);
      start().catch((error) => {
        if (!stop.signal.aborted) report(error);
      });
      return () => {
        handlers.delete(handler);
        if (handlers.size === 0 && subscriptions.get(pattern) === handlers) subscriptions.delete(pattern);
      };
    },

    start,

    onReset(listener) {
      if (typeof listener !== "function") throw new RedisBusError("invalid_argument", "listener must be a function");
      resetListeners.add(listener);
      return () => void resetListeners.delete(listener);
    },

    close() {
      closing ??= (async () => {
        stop.abort();
        // Rejects the blocked read (and a start still waiting for Redis).
        reader?.disconnect();
        await started?.catch(() => {});
        await loop;
        if (ownsWriter) {
          if (writer.status === "wait" || writer.status === "end") writer.disconnect();
          else await writer.quit().catch(() => writer.disconnect());
        }
      })();
      return closing;
    },

    getStats: () => ({ ...stats }),
  };
}
