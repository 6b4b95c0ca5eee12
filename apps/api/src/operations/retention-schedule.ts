import { deleteOldEvents } from "@org/outbox-publisher";
import type { Kysely } from "kysely";

/** Options of {@link createRetentionSchedule}. */
export interface RetentionScheduleOptions {
  /** Events older than this many days may be deleted. */
  retentionDays: number;
  /**
   * Time between runs.
   * @default 3600000 (1 hour)
   */
  intervalMs?: number;
  /**
   * Whether this instance should run it now: the instance that relays the
   * feed, so that one instance deletes while the others serve.
   * @default () => true
   */
  isLeader?: () => boolean;
  /** Each run's count, when it deleted something. */
  onDeleted?: (count: number) => void;
  onError?: (error: unknown) => void;
}

/** Retention running on a timer. */
export interface RetentionSchedule {
  start(): void;
  /** Clears the timer and waits for a run in progress (it stops between batches). */
  stop(): Promise<void>;
  /** One run now (whether leader or not); resolves with how many events it deleted. */
  runOnce(): Promise<number>;
}

/**
 * Deletes, every `intervalMs`, the events older than `retentionDays` that
 * no consumer needs any more: `deleteOldEvents` of the outbox deletes the
 * oldest part of the log up to the first event the relay has not published,
 * a worker group (a webhook endpoint, a process manager) has not passed, or
 * that is a dead letter or a pending retry.
 */
export function createRetentionSchedule(db: Kysely<any>, options: RetentionScheduleOptions): RetentionSchedule {
  const intervalMs = options.intervalMs ?? 3_600_000;
  if (!Number.isInteger(options.retentionDays) || options.retentionDays < 1) throw new Error("retentionDays must be a positive integer");
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  const runOnce = async () => {
    const count = await deleteOldEvents(db, { olderThanMs: options.retentionDays * 86_400_000, signal: abort.signal });
    if (count > 0) options.onDeleted?.(count);
    return count;
  };
  const tick = () => {
    timer = setTimeout(() => {
      if (options.isLeader?.() ?? true) running = runOnce().catch((error) => options.onError?.(error));
      void running.finally(() => {
        if (!abort.signal.aborted) tick();
      });
    }, intervalMs);
    timer.unref();
  };

  return {
    start: () => {
      if (timer === undefined && !abort.signal.aborted) tick();
    },
    async stop() {
      abort.abort();
      clearTimeout(timer);
      await running;
    },
    runOnce,
  };
}
