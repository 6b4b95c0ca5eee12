/**
 * Resolves after `ms`, or at once when `signal` aborts (never rejects), so a
 * loop's sleep never delays `stop()`.
 *
 * @example
 * await abortableDelay(500, controller.signal);
 */
export function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
