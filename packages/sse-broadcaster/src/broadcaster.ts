import { SSEError, isSSEError } from "./errors.js";
import { SSEClient } from "./client/client.js";
import type { ClientHost } from "./client/client-host.js";
import { ClientRegistry } from "./client/client-registry.js";
import { isWritableStream, type SSESink } from "./client/sink.js";
import { sinkFromWritableStream } from "./client/writable-stream-sink.js";
import { compileFilter } from "./filter/compile-filter.js";
import type { BroadcastEvent, SSEFilter } from "./filter/filter.js";
import { resolveOptions, type SSEBroadcasterOptions } from "./options.js";
import { logPositionOf } from "./resume/log-position.js";
import { resumeClient, type ResumeDeps } from "./resume/resume-client.js";
import { newCounters, type SSEStats } from "./stats.js";
import { formatSSEComment, formatSSEMessage } from "./wire/format-message.js";

/** Per-client options of {@link SSEBroadcaster.addClient}. */
export interface AddClientOptions {
  /** What the client receives; see {@link SSEFilter}. Take `tenantId` from the credential. */
  filter?: SSEFilter | undefined;
  /** Groups clients for `maxClientsPerKey` (an API key, a user id, an IP). */
  key?: string | undefined;
  /** The `Last-Event-ID` the client reconnected with: it gets what it missed first. */
  lastEventId?: string | undefined;
}

/** Options of {@link SSEBroadcaster.close}. */
export interface CloseOptions {
  /** A comment written to every client before its stream ends (e.g. "server restarting"). */
  comment?: string | undefined;
}

/** The fan-out hub: clients with filters, broadcast, heartbeats and dead-client cleanup, plus stats and shutdown. */
export interface SSEBroadcaster<E extends BroadcastEvent = BroadcastEvent> {
  /**
   * Connects a client: writes the `retry:` hint, then every matching event.
   * With `lastEventId` it first replays what the client missed (see the
   * `replay` option). Throws `SSEError` `duplicate_client`, `too_many_clients`,
   * `invalid_filter` or `closed`, before writing anything.
   */
  addClient(clientId: string, stream: WritableStream<Uint8Array> | SSESink, options?: AddClientOptions): void;
  /** Disconnects a client and ends its stream. False when it was not connected. */
  removeClient(clientId: string): boolean;
  /**
   * Queues the event for every client whose filter matches, without waiting
   * on any of them, and returns how many. Throws `SSEError("invalid_field")`
   * (before any client gets it) when the event type or id contains CR, LF or NUL.
   */
  broadcast(event: E): number;
  /**
   * Broadcasts `events` in order, as a relay hands over a batch: each client
   * gets its matching events of the batch as one write. Every event is
   * validated first, so an invalid one throws `SSEError("invalid_field")`
   * before any client gets any event of the batch. Returns the number of
   * deliveries (clients times matching events).
   */
  broadcastMany(events: Iterable<E>): number;
  getClientCount(): number;
  getStats(): SSEStats;
  /** Ends every stream and stops every timer. Idempotent; resolves when all streams are closed. */
  close(options?: CloseOptions): Promise<void>;
}

const encoder = new TextEncoder();
const encode = (text: string): Uint8Array => encoder.encode(text);

/** Runs `flush` once the current tick's work is done (after pending I/O callbacks in Node). */
const deferFlush: (flush: () => void) => void =
  typeof setImmediate === "function" ? (flush) => void setImmediate(flush) : (flush) => void setTimeout(flush, 0);

/**
 * Creates a broadcaster. Transport-neutral: it writes bytes to WHATWG
 * WritableStreams or {@link SSESink}s (see the `./hono` and `./node` adapters).
 *
 * Delivery: each client gets matching events in broadcast order, each at most
 * once per connection. Frames queued for a client in the same tick go out
 * as one write at the end of the tick. A client whose queue passes its bound is closed with
 * a final `: evicted: slow consumer` comment; it reconnects with
 * Last-Event-ID and the replay source fills the gap. Nothing is dropped
 * silently.
 *
 * @example
 * ```ts
 * const broadcaster = createSSEBroadcaster<DomainEvent>({
 *   serialize: (event) => JSON.stringify(toSnakeCase(event.payload)),
 *   replay: ({ lastEventId, filter }) => store.readAfterId(lastEventId, filter),
 * });
 * bus.subscribe((event) => broadcaster.broadcast(event));
 * ```
 */
export function createSSEBroadcaster<E extends BroadcastEvent = BroadcastEvent>(
  options?: SSEBroadcasterOptions<E>,
): SSEBroadcaster<E> {
  const opts = resolveOptions(options);
  const registry = new ClientRegistry(opts.maxClients, opts.maxClientsPerKey);
  const counters = newCounters();
  const limits = { maxQueueEvents: opts.maxQueueEvents, maxQueueBytes: opts.maxQueueBytes };
  const closing = new Set<Promise<void>>();
  const heartbeatFrame = encode(formatSSEComment("heartbeat"));
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let closed: Promise<void> | undefined;

  // End-of-tick flush: the clients that queued frames this tick, each flushed once.
  let dirty: SSEClient[] = [];
  let spare: SSEClient[] = [];
  let tickScheduled = false;
  // The last coalesced chunk and its frames: the next client with the same frames reuses it.
  const memoFrames: Uint8Array[] = [];
  let memoChunk: Uint8Array | undefined;
  const flushTick = (): void => {
    tickScheduled = false;
    const clients = dirty;
    dirty = spare;
    for (const client of clients) client.flush();
    clients.length = 0;
    spare = clients;
    memoFrames.length = 0;
    memoChunk = undefined;
  };
  const scheduleTick = (): void => {
    if (tickScheduled) return;
    tickScheduled = true;
    deferFlush(flushTick);
  };

  const encodeEvent = (event: E): Uint8Array =>
    encode(formatSSEMessage({ event: event.eventType, id: event.id, data: opts.serialize(event) }));

  const disconnect = (client: SSEClient, finalComment?: string, flush = true): boolean => {
    if (!registry.remove(client)) return false;
    const done = client.close(finalComment === undefined ? undefined : encode(formatSSEComment(finalComment)), flush);
    closing.add(done);
    void done.finally(() => closing.delete(done));
    if (registry.clients.size === 0) stopHeartbeat();
    return true;
  };

  const host: ClientHost = {
    written(bytes, events) {
      counters.bytesSent += bytes;
      counters.eventsSent += events;
    },
    schedule(client) {
      dirty.push(client);
      scheduleTick();
    },
    coalesce(frames, start, end, bytes) {
      const count = end - start;
      if (memoChunk !== undefined && memoChunk.byteLength === bytes && memoFrames.length === count) {
        let same = true;
        for (let i = 0; i < count && same; i += 1) same = memoFrames[i] === frames[start + i];
        if (same) return memoChunk;
      }
      const chunk = new Uint8Array(bytes);
      memoFrames.length = 0;
      for (let i = start, at = 0; i < end; i += 1) {
        const frame = frames[i] as Uint8Array;
        chunk.set(frame, at);
        at += frame.byteLength;
        memoFrames.push(frame);
      }
      memoChunk = chunk;
      scheduleTick(); // forgets the memo at the end of the tick
      return chunk;
    },
    overflowed(client) {
      if (registry.clients.get(client.id) !== client) return;
      counters.evictions += 1;
      // Not flushed: the queue is what the client could not take; it resumes with Last-Event-ID.
      const why = `more than ${limits.maxQueueEvents} events or ${limits.maxQueueBytes} bytes waiting`;
      disconnect(client, `evicted: slow consumer (${why}); reconnect with Last-Event-ID`, false);
    },
    failed(client) {
      if (disconnect(client, undefined, false)) counters.transportFailures += 1;
    },
  };

  const resumeDeps: ResumeDeps<E> = {
    replay: opts.replay,
    encode: encodeEvent,
    resetFrame: (reason) => encode(formatSSEMessage({ event: opts.resetEventName, id: "", data: JSON.stringify({ reason }) })),
    resumed: () => void (counters.resumes += 1),
    reset: () => void (counters.resets += 1),
    failed(client, error) {
      counters.replayFailures += 1;
      opts.onError?.(error, { clientId: client.id, phase: "replay" });
      disconnect(client, "error: could not replay missed events; reconnect to retry", false);
    },
  };

  const sendHeartbeats = (): void => {
    for (const client of registry.clients.values()) {
      // A busy client is not idle: its pending writes already prove the connection.
      if (!client.idle) continue;
      counters.heartbeatsSent += 1;
      client.push(heartbeatFrame);
    }
  };
  const startHeartbeat = (): void => {
    if (heartbeat !== undefined || opts.heartbeatIntervalMs === 0) return;
    // Not unref'd: it only runs while clients are connected, and tests can see it is gone.
    heartbeat = setInterval(sendHeartbeats, opts.heartbeatIntervalMs);
  };
  const stopHeartbeat = (): void => {
    clearInterval(heartbeat);
    heartbeat = undefined;
  };

  const retryHint = (): Uint8Array => {
    const spread = opts.retryMs * opts.retryJitter * (Math.random() * 2 - 1);
    return encode(formatSSEMessage({ retry: Math.max(0, Math.round(opts.retryMs + spread)) }));
  };

  return {
    addClient(clientId, stream, clientOptions = {}) {
      if (closed !== undefined) throw new SSEError("closed", "the broadcaster is closed");
      if (typeof clientId !== "string" || clientId === "") throw new SSEError("invalid_field", "clientId must be a non-empty string");
      const filter = compileFilter(clientOptions.filter);
      try {
        registry.check(clientId, clientOptions.key);
      } catch (error) {
        if (isSSEError(error, "too_many_clients")) counters.rejectedConnections += 1;
        throw error;
      }
      let client: SSEClient | undefined;
      const sink = isWritableStream(stream)
        ? sinkFromWritableStream(stream, (error) => client && host.failed(client, error), opts.closeTimeoutMs)
        : stream;
      client = new SSEClient(clientId, clientOptions.key, filter, sink, host, limits);
      registry.add(client);
      startHeartbeat();
      const { lastEventId } = clientOptions;
      // Hold live events before the replay starts: nothing published meanwhile is missed.
      if (lastEventId !== undefined && lastEventId !== "") client.hold();
      client.push(retryHint());
      if (client.closed || lastEventId === undefined || lastEventId === "") return;
      void resumeClient(client, lastEventId, clientOptions.filter, resumeDeps);
    },

    removeClient(clientId) {
      const client = registry.clients.get(clientId);
      return client !== undefined && disconnect(client);
    },

    broadcast(event) {
      // Encoded once for all clients; throws before anyone got it if the event is invalid.
      const frame = encodeEvent(event);
      const at = logPositionOf(event);
      counters.eventsBroadcast += 1;
      let delivered = 0;
      for (const client of registry.clients.values()) {
        if (!client.filter.matches(event)) continue;
        client.deliver(frame, event.id, at);
        delivered += 1;
      }
      return delivered;
    },

    broadcastMany(events) {
      const batch = Array.isArray(events) ? (events as readonly E[]) : [...events];
      // All encoded (and validated) before any client gets any of them.
      const frames = batch.map(encodeEvent);
      const positions = batch.map(logPositionOf);
      counters.eventsBroadcast += batch.length;
      let delivered = 0;
      for (const client of registry.clients.values()) {
        for (let i = 0; i < batch.length; i += 1) {
          const event = batch[i] as E;
          if (!client.filter.matches(event)) continue;
          client.deliver(frames[i] as Uint8Array, event.id, positions[i]);
          delivered += 1;
          if (client.closed) break; // evicted by this batch: the rest would be dropped anyway
        }
      }
      return delivered;
    },

    getClientCount: () => registry.clients.size,

    getStats: () => ({ clients: registry.clients.size, clientsByFilter: registry.countsByFilter(), ...counters }),

    close(closeOptions = {}) {
      closed ??= (async () => {
        stopHeartbeat();
        for (const client of [...registry.clients.values()]) disconnect(client, closeOptions.comment);
        await Promise.allSettled([...closing]);
      })();
      return closed;
    },
  };
}
