import type { EventsDatabase, Executor } from "@org/events";
import type { Checkpoint, EventHandler } from "@org/events";
import type { Kysely } from "kysely";
import { OutboxError } from "../errors.js";
import type { RetryOptions } from "../retry/backoff.js";
import { MetricsRecorder, type DeliveryStats, type MetricListener } from "../stats/metrics.js";
import { FEED_GROUP, type OutboxTableOptions } from "../tables.js";
import { abortableDelay } from "../wake/abortable-delay.js";
import type { WakeSource } from "../wake/wake-source.js";
import { Wakeup } from "../wake/wakeup.js";
import { defaultLeader } from "./default-leader.js";
import type { LeaderElection } from "./leader.js";
import { PendingMarks } from "./pending-marks.js";
import { resolveEventPublisherOptions } from "./publisher-options.js";
import { StuckHeadTracker, type StuckHead } from "./stuck-head.js";
import { relayBatch, type BatchHandler } from "./relay-batch.js";
import { createLifecycle } from "../lifecycle.js";

/** Options of {@link createEventPublisher}. */
export interface EventPublisherOptions<T extends string = string> extends OutboxTableOptions<T> {
  /**
   * Longest sleep between reads when no wake-up comes (the fallback for lost
   * notifications).
   * @default 500
   */
  pollIntervalMs?: number;
  /**
   * Most events read and marked per round trip.
   * @default 100
   */
  batchSize?: number;
  /**
   * How long relayed events may wait to be marked published, so that a
   * trickle of events is marked in a few statements rather than one commit
   * per wake-up. At most `batchSize` events are ever relayed and unmarked
   * (what a crash can hand over twice). 0 marks after every read.
   * @default 5
   */
  markDelayMs?: number;
  /**
   * Least time between two reads that a wake-up triggers. By default none:
   * one read is in flight at a time, and wake-ups that come during it
   * coalesce into the next one, so under load each read takes more events.
   * A few ms trades that much latency for fewer reads. A full batch is
   * followed at once.
   * @default 0
   */
  minReadIntervalMs?: number;
  /** Where wake-ups come from: `pgListener(...)`, `pgliteListener(pglite)`. Without one, it polls. */
  listen?: WakeSource;
  /**
   * Elects the one relaying process among several. The default is safe
   * with any number of processes: on PostgreSQL a session advisory lock on
   * one connection of `db`'s pool (`poolLockLeader(db)`): one process
   * relays, the others stand by and take over within about 11 s of the
   * leader dying or going silent. On PGlite, `singleProcessLeader()`. Pass
   * `singleProcessLeader()` by name to relay without an election.
   * @default defaultLeader(db)
   */
  leader?: LeaderElection;
  /**
   * Backoff of a failing head. By default the feed holds its order: the
   * head is retried with capped backoff (1 s, ×2 per attempt, capped at
   * 60 s) for as long as it takes, shown in `getStats().stuckHead`, a
   * `head_stuck` metric and a log line per failure. Skipping is opt-in:
   * with `maxAttempts`, the head is dead-lettered after that many attempts
   * and the feed moves past it.
   * @default { initialDelayMs: 1000, multiplier: 2, maxDelayMs: 60000, maxAttempts: Infinity, jitter: 0.5 }
   */
  retry?: RetryOptions;
  /**
   * Where the feed writes its log lines (a stuck head: event id, type, how
   * long, the error).
   * @default console.warn
   */
  log?: (line: string) => void;
  /** Receives every metric event (see {@link OutboxMetric}). */
  onMetric?: MetricListener;
}

/** In-process figures of a publisher. */
export interface PublisherStats extends DeliveryStats {
  isLeader: boolean;
  /** The last relayed event's place in the log. */
  checkpoint: Checkpoint | null;
  /** The head the feed is held on while its hand-over keeps failing; null while it flows. */
  stuckHead: StuckHead | null;
}

/** The ordered feed's handle: start, awaitable stop, handlers, metrics and stats. */
export interface EventPublisher {
  /** Starts relaying (or standing by); resolves once listening. Idempotent. */
  start(): Promise<void>;
  /**
   * Stops gracefully: no new event is started, the one in flight settles
   * and is marked, then it resolves. Idempotent. Rejects with an
   * AggregateError of the errors met while shutting down, if any.
   */
  stop(): Promise<void>;
  /** Adds a handler for every event; returns the function that removes it. */
  onEvent(handler: EventHandler): () => void;
  /**
   * Adds a handler for every batch the relay reads (at most `batchSize`
   * events, in the log's order), called before the batch's events go to the
   * `onEvent` handlers: one call, e.g. one round trip to a broker, instead
   * of one per event. A batch handler that throws counts as a failure of
   * the batch's first event (retried with backoff, or dead-lettered with
   * `retry.maxAttempts`); the batch is handed over again, so it must accept
   * events it already took. Returns the function that removes it.
   */
  onBatch(handler: BatchHandler): () => void;
  /** Adds a metric listener; returns the function that removes it. */
  subscribe(listener: MetricListener): () => void;
  /** Wakes the relay now (e.g. after a write in this process). */
  notify(): void;
  getStats(): PublisherStats;
}

/**
 * The ordered feed: relays unpublished events to the
 * `onEvent` handlers in the log's commit-safe order `(transaction_id,
 * position)`, the order `createEventStore(db).readAfter` replays, then marks
 * them published. Delivery is at least once: an event whose handling failed,
 * or whose mark was lost to a crash, comes again. A failing event is
 * retried with capped backoff and holds the feed until it succeeds, however
 * long that takes (visible in `getStats().stuckHead`, a `head_stuck` metric
 * and a log line); only with `retry.maxAttempts` is it dead-lettered and
 * the feed moves past it.
 * With several processes, one relays and the others stand by (see
 * `leader`). A transaction left open delays the feed
 * until it ends.
 *
 * @example
 * const bus = new InMemoryEventBus();
 * const publisher = createEventPublisher(db, { listen: pgliteListener(pglite) });
 * publisher.onEvent((event) => bus.publish(event));
 * await publisher.start();
 * // on shutdown
 * await publisher.stop();
 */
export function createEventPublisher<DB extends EventsDatabase<T>, T extends string = "domain_events">(
  database: Executor<DB>,
  options: EventPublisherOptions<T> = {},
): EventPublisher {
  const db: Kysely<any> = database;
  const { pollIntervalMs, batchSize, markDelayMs, minReadIntervalMs, listen, onMetric, log, tables, policy, ...resolved } = resolveEventPublisherOptions(options);
  const leader = resolved.leader ?? defaultLeader(db);
  const handlers = new Set<EventHandler>();
  const batchHandlers = new Set<BatchHandler>();
  const metrics = new MetricsRecorder(onMetric);
  const stuck = new StuckHeadTracker(metrics, log);
  const wakeup = new Wakeup();
  let isLeader = false;
  let checkpoint: Checkpoint | null = null;
  const report = (error: unknown) => metrics.emit({ type: "error", source: FEED_GROUP, error });

  async function relay(executor: Kysely<any>, signal: AbortSignal, holds: () => boolean): Promise<void> {
    const leadershipLost = () => !holds();
    const context = { tables, handlers, batchHandlers, policy, metrics, signal, holds, stuck };
    const marks = new PendingMarks();
    // While marks are pending, reads continue after the last relayed event
    // (the unmarked ones would be read again). Once all are marked, reads
    // start from the head again, where a requeued dead letter may be waiting.
    let cursor: Checkpoint | null = null;
    const flush = async () => {
      // a leader that cannot confirm its lock marks nothing: the next leader relays these again
      if (!holds()) throw new OutboxError("invalid_state", "leadership could not be confirmed; the marks are left to the next leader");
      await marks.flush(executor, tables);
      cursor = null;
    };
    let lastReadAt = Number.NEGATIVE_INFINITY;
    let draining = false;
    try {
      while (!signal.aborted) {
        try {
          // Under a flood of wake-ups, read at most once per minReadIntervalMs (a full batch reads on at once).
          const gap = lastReadAt + minReadIntervalMs - Date.now();
          if (!draining && gap > 0) await abortableDelay(gap, signal);
          if (signal.aborted) break;
          lastReadAt = Date.now();
          // Never more than batchSize relayed and unmarked: the bound on duplicates after a crash.
          const limit = batchSize - marks.size;
          const outcome = await relayBatch(executor, limit, cursor, marks, context);
          if (outcome.last) {
            cursor = checkpoint = { transactionId: outcome.last.transactionId, position: outcome.last.position };
          }
          const markDue = marks.dueAt(markDelayMs);
          if (marks.size >= batchSize || outcome.backoffMs !== undefined || (markDue !== undefined && markDue <= Date.now())) await flush();
          if (outcome.backoffMs !== undefined) {
            await abortableDelay(outcome.backoffMs, signal);
            continue;
          }
          draining = outcome.read === limit;
          if (draining) continue;
          const due = marks.dueAt(markDelayMs);
          if (due !== undefined) {
            await wakeup.wait(Math.max(1, due - Date.now()), signal);
            continue;
          }
        } catch (error) {
          if (signal.aborted) return;
          report(error);
        }
        await wakeup.wait(pollIntervalMs, signal);
      }
    } finally {
      // stop(): mark what was relayed; lost leadership: this fails, and the next leader relays them again
      await flush().catch((error) => {
        marks.clear();
        if (!leadershipLost()) report(error);
      });
    }
  }

  const lifecycle = createLifecycle({
    listen,
    onWake: () => wakeup.notify(),
    onError: report,
    async run(stopSignal) {
      while (!stopSignal.aborted) {
        let leadership;
        try {
          leadership = await leader.acquire(stopSignal);
        } catch (error) {
          report(error);
          await abortableDelay(pollIntervalMs, stopSignal);
          continue;
        }
        if (!leadership) return;
        isLeader = true;
        metrics.emit({ type: "leadership_acquired", source: FEED_GROUP });
        try {
          const holds = () => !leadership.signal.aborted && (leadership.holds?.() ?? true);
          await relay(leadership.db ?? db, AbortSignal.any([stopSignal, leadership.signal]), holds);
        } finally {
          isLeader = false;
          stuck.clear();
          metrics.emit({ type: "leadership_lost", source: FEED_GROUP });
          await leadership.release().catch(report);
        }
      }
    },
  });

  return {
    start: lifecycle.start,
    stop: lifecycle.stop,
    onEvent(handler) {
      if (typeof handler !== "function") throw new OutboxError("invalid_argument", "handler must be a function");
      handlers.add(handler);
      return () => void handlers.delete(handler);
    },
    onBatch(handler) {
      if (typeof handler !== "function") throw new OutboxError("invalid_argument", "handler must be a function");
      batchHandlers.add(handler);
      return () => void batchHandlers.delete(handler);
    },
    subscribe: (listener) => metrics.subscribe(listener),
    notify: () => wakeup.notify(),
    getStats: () => ({ ...metrics.snapshot(), isLeader, checkpoint, stuckHead: stuck.snapshot() }),
  };
}
