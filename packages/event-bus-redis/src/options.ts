import type { Redis } from "ioredis";
import { RedisBusError } from "./errors.js";

/** Options of {@link createRedisEventBus}. Every field but `redis` is optional. */
export interface RedisEventBusOptions {
  /**
   * Where the stream lives: a `redis://` URL (the bus opens and closes its
   * own connections) or an ioredis client (used for appends and left open by
   * `close()`; the bus reads on a `duplicate()` of it, since a blocking read
   * holds its connection).
   */
  redis: string | Redis;
  /**
   * Names the keys: the stream `{<keyPrefix>}:stream` and its head
   * `{<keyPrefix>}:head` (the braces keep both in one Redis Cluster slot, as
   * the append script needs). Separate logs need separate prefixes.
   * @default "events"
   */
  keyPrefix?: string;
  /**
   * Entries kept, approximately (`XADD … MAXLEN ~`: Redis trims whole nodes
   * of about 100 entries). `0` keeps entries by length without limit.
   * @default 100000
   */
  maxLength?: number;
  /**
   * Entries older than this are trimmed (`XTRIM MINID ~`, by the Redis
   * server's clock). `0` trims by length only.
   * @default 0
   */
  maxAgeMs?: number;
  /**
   * Longest time one blocking read waits for new entries (`XREAD BLOCK`).
   * Shorter notices a lost connection sooner; it costs one round trip per
   * wait when idle.
   * @default 5000
   */
  blockMs?: number;
  /**
   * Most entries taken per read.
   * @default 100
   */
  readCount?: number;
  /**
   * Pause after a failed read before the next one (the client reconnects by
   * itself meanwhile).
   * @default 250
   */
  retryDelayMs?: number;
  /**
   * Told about failures no caller can catch: a failed read, a handler that
   * threw, an entry this package cannot read.
   * @default undefined (failures are still counted in stats)
   */
  onError?: ((error: unknown) => void) | undefined;
}

/** Options after defaults were merged and validated. */
export type ResolvedRedisEventBusOptions = Required<Omit<RedisEventBusOptions, "onError">> & Pick<RedisEventBusOptions, "onError">;

const defaults = {
  keyPrefix: "events",
  maxLength: 100_000,
  maxAgeMs: 0,
  blockMs: 5_000,
  readCount: 100,
  retryDelayMs: 250,
};

const KEY_PREFIX = /^[^{}\s]{1,200}$/;

/**
 * Merges the defaults once and throws `RedisBusError("invalid_options")` for
 * a value out of range or options that contradict each other.
 *
 * @example
 * ```ts
 * resolveRedisEventBusOptions({ redis: "redis://127.0.0.1:6379", maxLength: 0, maxAgeMs: 0 }); // throws: nothing would ever be trimmed
 * ```
 */
export function resolveRedisEventBusOptions(options: RedisEventBusOptions): ResolvedRedisEventBusOptions {
  if (typeof options !== "object" || options === null) throw new RedisBusError("invalid_options", "options must be an object with `redis`");
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const resolved = { ...defaults, ...defined } as ResolvedRedisEventBusOptions;
  const fail = (message: string): never => {
    throw new RedisBusError("invalid_options", message);
  };
  const integer = (name: keyof typeof defaults, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const value = resolved[name];
    if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
      fail(`${name} must be an integer in [${min}, ${max}], got ${String(value)}`);
    }
  };
  const { redis } = resolved;
  if (typeof redis === "string") {
    if (!/^rediss?:\/\//.test(redis)) fail("redis must be a redis:// or rediss:// URL, or an ioredis client");
  } else if (typeof redis !== "object" || redis === null || typeof (redis as Redis).duplicate !== "function") {
    fail("redis must be a redis:// URL or an ioredis client");
  }
  if (typeof resolved.keyPrefix !== "string" || !KEY_PREFIX.test(resolved.keyPrefix)) {
    fail("keyPrefix must be 1-200 characters without braces or spaces");
  }
  integer("maxLength", 0);
  integer("maxAgeMs", 0);
  integer("blockMs", 1, 600_000);
  integer("readCount", 1, 10_000);
  integer("retryDelayMs", 1, 60_000);
  if (resolved.maxLength === 0 && resolved.maxAgeMs === 0) {
    fail("maxLength and maxAgeMs are both 0: the stream would grow without bound; set at least one");
  }
  if (resolved.onError !== undefined && typeof resolved.onError !== "function") fail("onError must be a function");
  return resolved;
}
