import { abortableDelay } from "./abortable-delay.js";

/**
 * A dirty flag a loop sleeps on (wake-ups coalesce): any number of
 * `notify()` calls while the loop works collapse into one early wake-up.
 */
export class Wakeup {
  #dirty = false;
  #wake: (() => void) | undefined;

  /** Marks work as available and cuts the current wait short. */
  notify(): void {
    this.#dirty = true;
    this.#wake?.();
  }

  /**
   * Waits up to `ms` unless a notification came since the last wait (then
   * returns at once), one arrives, or `signal` aborts. Clears the flag.
   */
  async wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (!this.#dirty && !signal?.aborted) {
      const cut = new AbortController();
      const onAbort = () => cut.abort();
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#wake = onAbort;
      try {
        await abortableDelay(ms, cut.signal);
      } finally {
        this.#wake = undefined;
        signal?.removeEventListener("abort", onAbort);
      }
    }
    this.#dirty = false;
  }
}
