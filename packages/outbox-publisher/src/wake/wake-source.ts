import { OutboxError } from "../errors.js";

/**
 * Where wake-ups come from: LISTEN on PostgreSQL, `pglite.listen`, or
 * anything else that can call back when events may have committed.
 * Wake-ups are hints; the log is the truth, and polling covers lost ones.
 */
export interface WakeSource {
  /**
   * Starts listening and calls `onWake` for each notification, and once
   * more after every (re)connection, so that nothing committed while it was
   * deaf is stranded. `onError` receives connection problems it recovers
   * from by itself. Resolves with the function that stops listening.
   */
  subscribe(onWake: () => void, onError?: (error: unknown) => void): Promise<() => Promise<void>>;
}

/**
 * The notification channel the outbox listens on and writers notify.
 * @default "outbox_events"
 */
export const DEFAULT_CHANNEL = "outbox_events";

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

/** Checks a channel name: it goes into `LISTEN` as an identifier. */
export function checkChannel(channel: string): string {
  if (typeof channel !== "string" || !CHANNEL.test(channel)) {
    throw new OutboxError("invalid_options", `channel must match ${CHANNEL} (got "${String(channel)}")`);
  }
  return channel;
}
