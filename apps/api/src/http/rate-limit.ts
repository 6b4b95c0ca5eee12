import type { MiddlewareHandler } from "hono";
import { AppError } from "../errors.js";
import type { AppEnv } from "./env.js";

const WINDOW_MS = 60_000;

/** Options of {@link createRateLimiter}. */
export interface RateLimiterOptions {
  /** Requests per credential per minute; 0 turns the limit off. */
  perMinute: number;
  /** The clock, for tests. @default Date.now */
  now?: () => number;
}

/** Counts requests per credential in fixed one-minute windows. */
export interface RateLimiter {
  /** Counts one request of `key`; the seconds to wait when it is over the limit, else undefined. */
  take(key: string): number | undefined;
  /** A middleware that answers 429 `rate_limited` with Retry-After, keyed by `keyOf(c)`. */
  middleware(keyOf: (c: Parameters<MiddlewareHandler<AppEnv>>[0]) => string): MiddlewareHandler<AppEnv>;
}

/**
 * A per-credential request limit: each credential gets `perMinute` requests
 * in a window that opens at its first request and lasts a minute; past that,
 * 429 with `Retry-After` (the seconds left in its window). One process's
 * memory: with several instances behind a balancer, each counts its own.
 */
export function createRateLimiter({ perMinute, now = Date.now }: RateLimiterOptions): RateLimiter {
  const windows = new Map<string, { opened: number; count: number }>();
  let lastSweep = now();

  function sweep(time: number) {
    if (time - lastSweep < WINDOW_MS) return;
    lastSweep = time;
    for (const [key, window] of windows) if (time - window.opened >= WINDOW_MS) windows.delete(key);
  }

  function take(key: string): number | undefined {
    if (perMinute === 0) return undefined;
    const time = now();
    sweep(time);
    let window = windows.get(key);
    if (!window || time - window.opened >= WINDOW_MS) {
      window = { opened: time, count: 0 };
      windows.set(key, window);
    }
    window.count += 1;
    if (window.count <= perMinute) return undefined;
    return Math.max(1, Math.ceil((window.opened + WINDOW_MS - time) / 1000));
  }

  return {
    take,
    middleware(keyOf) {
      return async function rateLimit(c, next) {
        const wait = take(keyOf(c));
        if (wait !== undefined) {
          throw new AppError("rate_limited", `over ${perMinute} requests per minute for this credential; retry in ${wait} s`, { retryAfterSeconds: wait });
        }
        await next();
      };
    },
  };
}
