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

/** Adds a listener of `channel` in this process; returns the function that removes it. */
export function addLocalListener(channel: string, onWake: () => void): () => void {
  let set = listeners.get(channel);
  if (!set) listeners.set(channel, (set = new Set()));
  set.add(onWake);
  return () => {
    set.delete(onWake);
    if (set.size === 0 && listeners.get(channel) === set) listeners.delete(channel);
  };
}

/** Wakes every listener of `channel` in this process. */
export function wakeLocalListeners(channel: string): void {
  for (const onWake of listeners.get(channel) ?? []) onWake();
}

/** Whether a notification's payload says it came from this process (whose listeners were woken at the commit). */
export const isOwnNotification = (payload: string | undefined): boolean => payload === PROCESS_TOKEN;
