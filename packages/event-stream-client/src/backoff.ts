/** Inputs of {@link reconnectDelay}. */
export interface BackoffInput {
  /** Failed attempts since the stream was last open, from 0. */
  attempt: number;
  /** Delay of the first attempt's window, in ms. */
  initialMs: number;
  /** Largest window, in ms. */
  maxMs: number;
  /** The server's `retry:` in ms, when it sent one. */
  serverRetryMs: number | undefined;
  /** A number in [0, 1). */
  random: number;
}

/**
 * Exponential backoff with full jitter: a delay drawn uniformly from
 * `[0, min(maxMs, base·2^attempt))`. Without a `retry:` from the server the
 * base is `initialMs`. When the server sent one, it is both the base and a
 * floor: the client never comes back sooner than the server asked, and the
 * jitter on top still spreads clients out after a restart.
 */
export function reconnectDelay({ attempt, initialMs, maxMs, serverRetryMs, random }: BackoffInput): number {
  const base = serverRetryMs ?? initialMs;
  const window = Math.min(Math.max(maxMs, base), base * 2 ** Math.min(attempt, 30));
  return (serverRetryMs ?? 0) + Math.floor(random * window);
}
