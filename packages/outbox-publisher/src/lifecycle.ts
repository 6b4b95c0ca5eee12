import { OutboxError } from "./errors.js";
import type { WakeSource } from "./wake/wake-source.js";

/** The start/stop of a loop with an optional wake source. */
export interface Lifecycle {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs `run(stopSignal)` between `start()` and `stop()`, with the wake
 * source subscribed meanwhile. Both are idempotent; `stop()` aborts the
 * signal, waits for the loop to settle, unsubscribes, and rejects with one
 * AggregateError of whatever failed on the way.
 */
export function createLifecycle(parts: {
  listen: WakeSource | undefined;
  onWake: () => void;
  onError: (error: unknown) => void;
  run: (stopSignal: AbortSignal) => Promise<void>;
}): Lifecycle {
  const stopController = new AbortController();
  let started: Promise<{ loop: Promise<void>; unlisten: (() => Promise<void>) | undefined }> | undefined;
  let stopped: Promise<void> | undefined;

  return {
    async start() {
      if (stopController.signal.aborted) throw new OutboxError("invalid_state", "a stopped publisher cannot start again; create a new one");
      started ??= (async () => {
        const unlisten = parts.listen ? await parts.listen.subscribe(parts.onWake, parts.onError) : undefined;
        const loop = parts.run(stopController.signal);
        return { loop, unlisten };
      })();
      await started;
    },
    stop() {
      stopped ??= (async () => {
        stopController.abort();
        if (!started) return;
        const errors: unknown[] = [];
        const { loop, unlisten } = await started;
        await loop.catch((error) => errors.push(error));
        await unlisten?.().catch((error) => errors.push(error));
        if (errors.length > 0) throw new AggregateError(errors, `stop() met ${errors.length} error(s)`);
      })();
      return stopped;
    },
  };
}
