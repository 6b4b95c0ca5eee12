import { checkInteger, checkNumber, OutboxError } from "../errors.js";

/** How failed deliveries are retried: by default a first delay of 1 s, ×2 per attempt, capped at 60 s, 5 attempts. */
export interface RetryOptions {
  /**
   * Delay before the second attempt, in ms.
   * @default 1000
   */
  initialDelayMs?: number;
  /**
   * Factor between consecutive delays.
   * @default 2
   */
  multiplier?: number;
  /**
   * Longest delay, in ms.
   * @default 60000
   */
  maxDelayMs?: number;
  /**
   * Attempts in all, the first included; after the last failure the event
   * is dead-lettered. `Infinity` retries forever.
   * @default 5
   */
  maxAttempts?: number;
  /**
   * Share of each delay that is random: the delay is drawn from
   * `[d * (1 - jitter), d]`, so that many failing consumers do not retry in
   * step. 0 disables it.
   * @default 0.5
   */
  jitter?: number;
  /**
   * Source of randomness in [0, 1); pass a seeded one for reproducible delays.
   * @default Math.random
   */
  random?: () => number;
}

/** Retry options with every default filled in and checked. */
export type RetryPolicy = Required<RetryOptions>;

/**
 * Merges retry options with their defaults once; throws `invalid_options`
 * on contradictions (e.g. `maxDelayMs < initialDelayMs`).
 *
 * @example
 * const policy = resolveRetryPolicy({ initialDelayMs: 500, maxAttempts: 3 });
 */
export function resolveRetryPolicy(options: RetryOptions = {}): RetryPolicy {
  const policy = {
    initialDelayMs: 1000,
    multiplier: 2,
    maxDelayMs: 60_000,
    maxAttempts: 5,
    jitter: 0.5,
    random: Math.random,
    ...options,
  } satisfies RetryPolicy;
  checkInteger("retry.initialDelayMs", policy.initialDelayMs, 0);
  checkNumber("retry.multiplier", policy.multiplier, 1);
  checkInteger("retry.maxDelayMs", policy.maxDelayMs, 0);
  if (policy.maxAttempts !== Infinity) checkInteger("retry.maxAttempts", policy.maxAttempts, 1);
  checkNumber("retry.jitter", policy.jitter, 0, 1);
  if (policy.maxDelayMs < policy.initialDelayMs) {
    throw new OutboxError("invalid_options", "retry.maxDelayMs must not be below retry.initialDelayMs");
  }
  if (typeof policy.random !== "function") throw new OutboxError("invalid_options", "retry.random must be a function");
  return policy;
}

/**
 * The delay before the next attempt after `attempts` failed ones (1 after
 * the first failure): `initialDelayMs * multiplier^(attempts-1)`, capped at
 * `maxDelayMs`, minus a random share of up to `jitter`. Whole milliseconds.
 *
 * @example
 * backoffDelay(resolveRetryPolicy({ jitter: 0 }), 3); // 4000
 */
export function backoffDelay(policy: RetryPolicy, attempts: number): number {
  const exponential = policy.initialDelayMs * policy.multiplier ** Math.max(0, attempts - 1);
  const capped = Math.min(policy.maxDelayMs, exponential);
  return Math.round(capped * (1 - policy.jitter * policy.random()));
}

/** Whether a delivery that has failed `attempts` times is done retrying. */
export function isExhausted(policy: RetryPolicy, attempts: number): boolean {
  return attempts >= policy.maxAttempts;
}
