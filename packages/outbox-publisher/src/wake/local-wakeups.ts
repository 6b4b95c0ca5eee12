import { randomBytes } from "node:crypto";

/**
 * The listeners of this process, by channel: a commit made in this process
 * wakes them directly, without waiting for its NOTIFY to travel through
 * PostgreSQL. The NOTIFY carries {@link PROCESS_TOKEN} as its payload, so
 * that the listeners it was sent for (other processes) act on it and this
 * process's own, already woken, skip it.
 */
const listeners = new Map<string, Set<() => void>>();

/** The payload of this process's NOTIFYs. */
export const PROCESS_TOKEN = `outbox:${process.pid}:${randomBytes(6).toString("hex")}`;

/**
 * A listener of `channel` in this process: `onWake` runs at every commit of
 * this process on that channel, and `notified(payload)` passes a NOTIFY's
 * wake-up on unless this process sent it (its commit woke `onWake` already).
 * `remove()` ends the local subscription.
 */
export function listenInThisProcess(channel: string, onWake: () => void): { notified: (payload: string | undefined) => void; remove: () => void } {
  let set = listeners.get(channel);
  if (!set) listeners.set(channel, (set = new Set()));
  set.add(onWake);
  return {
    notified: (payload) => {
      if (payload !== PROCESS_TOKEN) onWake();
    },
    remove: () => {
      set.delete(onWake);
      if (set.size === 0 && listeners.get(channel) === set) listeners.delete(channel);
    },
  };
}

/** Wakes every listener of `channel` in this process. */
export function wakeLocalListeners(channel: string): void {
  for (const onWake of listeners.get(channel) ?? []) onWake();
}
