import { SSEError } from "./errors.js";
import type { BroadcastEvent } from "./filter/filter.js";
import type { ReplaySource } from "./resume/replay-source.js";

/** Options of {@link createSSEBroadcaster}. Every field is optional. */
export interface SSEBroadcasterOptions<E extends BroadcastEvent = BroadcastEvent> {
  /**
   * Interval of the heartbeat comment sent to idle clients, so proxies keep
   * the connection open and dead peers are noticed. `0` disables it.
   * @default 30000
   */
  heartbeatIntervalMs?: number;
  /**
   * `retry:` hint sent on connect: how long a client waits before
   * reconnecting. Randomised by ±`retryJitter` per client so a restart does
   * not bring every client back in the same millisecond.
   * @default 3000
   */
  retryMs?: number;
  /**
   * Fraction of `retryMs` to randomise by, in [0, 1).
   * @default 0.2
   */
  retryJitter?: number;
  /**
   * Frames a client may have waiting for its transport before it is evicted.
   * @default 1000
   */
  maxQueueEvents?: number;
  /**
   * Bytes a client may have waiting for its transport before it is evicted.
   * @default 1048576 (1 MiB)
   */
  maxQueueBytes?: number;
  /**
   * Connected clients at most; further `addClient` calls throw `too_many_clients`.
   * @default 10000
   */
  maxClients?: number;
  /**
   * Connected clients per `key` (an API key, a user, an IP) at most.
   * @default Infinity
   */
  maxClientsPerKey?: number;
  /**
   * Produces the `data` of an event. Called once per broadcast, whatever the
   * number of clients. Line breaks in the result become separate `data:` lines.
   * @default (event) => JSON.stringify(event.payload ?? null)
   */
  serialize?: (event: E) => string;
  /**
   * Source of the events a reconnecting client missed. Without one, a client
   * that sends Last-Event-ID gets a reset event (it cannot be resumed).
   * @default undefined
   */
  replay?: ReplaySource<E> | undefined;
  /**
   * Name of the event that tells a client to reload its state because it
   * cannot be resumed (unknown or expired Last-Event-ID, or no replay source).
   * @default "reset"
   */
  resetEventName?: string;
  /**
   * How long closing a stream may wait for the peer to read what was written
   * before the connection is forcibly closed.
   * @default 5000
   */
  closeTimeoutMs?: number;
  /**
   * Told about failures no caller can catch (a replay source that threw).
   * @default undefined (failures are still counted in stats)
   */
  onError?: ((error: unknown, context: { clientId: string; phase: "replay" }) => void) | undefined;
}

/** Options after defaults were merged and validated. */
export type ResolvedOptions<E extends BroadcastEvent> = Required<Omit<SSEBroadcasterOptions<E>, "replay" | "onError">> &
  Pick<SSEBroadcasterOptions<E>, "replay" | "onError">;

const defaults = {
  heartbeatIntervalMs: 30_000,
  retryMs: 3_000,
  retryJitter: 0.2,
  maxQueueEvents: 1_000,
  maxQueueBytes: 1_048_576,
  maxClients: 10_000,
  maxClientsPerKey: Number.POSITIVE_INFINITY,
  serialize: (event: BroadcastEvent) => JSON.stringify(event.payload ?? null),
  resetEventName: "reset",
  closeTimeoutMs: 5_000,
};

/**
 * Merges defaults once and throws `SSEError("invalid_options")` for values
 * out of range or contradicting each other.
 *
 * @example
 * ```ts
 * resolveOptions({ maxClients: 10, maxClientsPerKey: 20 }); // throws: per key above overall
 * ```
 */
export function resolveOptions<E extends BroadcastEvent>(options: SSEBroadcasterOptions<E> = {}): ResolvedOptions<E> {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const resolved = { ...defaults, ...defined } as ResolvedOptions<E>;
  const fail = (message: string): never => {
    throw new SSEError("invalid_options", message);
  };
  const count = (name: keyof typeof defaults, value: number, allowInfinity = false) => {
    if (!(allowInfinity && value === Number.POSITIVE_INFINITY) && (!Number.isSafeInteger(value) || value < 1)) {
      fail(`${name} must be a positive integer, got ${String(value)}`);
    }
  };
  count("maxQueueEvents", resolved.maxQueueEvents);
  count("maxQueueBytes", resolved.maxQueueBytes);
  count("maxClients", resolved.maxClients, true);
  count("maxClientsPerKey", resolved.maxClientsPerKey, true);
  // Only an explicit per-key limit can contradict the overall one; the default means "no per-key limit".
  if (Number.isFinite(resolved.maxClientsPerKey) && resolved.maxClientsPerKey > resolved.maxClients) {
    fail(`maxClientsPerKey (${resolved.maxClientsPerKey}) cannot exceed maxClients (${resolved.maxClients})`);
  }
  if (!Number.isFinite(resolved.heartbeatIntervalMs) || resolved.heartbeatIntervalMs < 0) {
    fail("heartbeatIntervalMs must be >= 0 (0 disables heartbeats)");
  }
  if (!Number.isSafeInteger(resolved.retryMs) || resolved.retryMs < 0) fail("retryMs must be a non-negative integer");
  if (!(resolved.retryJitter >= 0 && resolved.retryJitter < 1)) fail("retryJitter must be in [0, 1)");
  if (!Number.isFinite(resolved.closeTimeoutMs) || resolved.closeTimeoutMs < 0) fail("closeTimeoutMs must be >= 0");
  if (typeof resolved.serialize !== "function") fail("serialize must be a function");
  if (resolved.replay !== undefined && typeof resolved.replay !== "function") fail("replay must be a function");
  if (typeof resolved.resetEventName !== "string" || !/^[^\r\n\0]+$/.test(resolved.resetEventName)) {
    fail("resetEventName must be a non-empty single-line string");
  }
  return resolved;
}
