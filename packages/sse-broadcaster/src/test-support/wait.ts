/**
 * Waits until `predicate` holds, polling every 5 ms. Bounded: fails after
 * `limitMs` with `what` in the message. Used to wait for effects, never to
 * assert on speed.
 */
export async function waitUntil(predicate: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resolves with the first event `name` emitted by `target`. */
export function once<T = unknown>(target: EventTarget, name: string): Promise<T> {
  return new Promise((resolve) => target.addEventListener(name, (event) => resolve(event as T), { once: true }));
}
