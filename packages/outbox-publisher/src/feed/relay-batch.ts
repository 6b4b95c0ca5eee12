import type { Checkpoint, DomainEvent, EventHandler } from "@org/events";
import type { Kysely } from "kysely";
import { backoffDelay, isExhausted, type RetryPolicy } from "../retry/backoff.js";
import { recordFailure } from "../retry/record-failure.js";
import { describeError, type MetricsRecorder } from "../stats/metrics.js";
import { FEED_GROUP, type OutboxTables } from "../tables.js";
import type { PendingMarks } from "./pending-marks.js";
import type { StuckHeadTracker } from "./stuck-head.js";
import { readUnpublished } from "./read-unpublished.js";

/** What one batch of the feed did. */
export interface BatchOutcome {
  /** Events read: as many as asked for means more may be waiting. */
  read: number;
  /** The last event relayed, if any. */
  last: DomainEvent | undefined;
  /** The head of the feed is backing off for this long (ms). */
  backoffMs: number | undefined;
}

/** Hands one event to every handler; resolves with the failure, if any. */
export async function handOver(handlers: Iterable<EventHandler>, event: DomainEvent): Promise<unknown> {
  const results = await Promise.allSettled([...handlers].map(async (handler) => handler(event)));
  const failures = results.flatMap((result) => (result.status === "rejected" ? [result.reason] : []));
  if (failures.length === 0) return undefined;
  return failures.length === 1 ? failures[0] : new AggregateError(failures, `${failures.length} handlers failed`);
}

/** Receives each batch the relay read, in the log's order, before its events go to the per-event handlers. */
export type BatchHandler = (events: readonly DomainEvent[]) => void | Promise<void>;

/** Hands one batch to every batch handler; resolves with the failure, if any. */
async function handOverBatch(handlers: Iterable<BatchHandler>, events: readonly DomainEvent[]): Promise<unknown> {
  const results = await Promise.allSettled([...handlers].map(async (handler) => handler(events)));
  const failures = results.flatMap((result) => (result.status === "rejected" ? [result.reason] : []));
  if (failures.length === 0) return undefined;
  return failures.length === 1 ? failures[0] : new AggregateError(failures, `${failures.length} batch handlers failed`);
}

/**
 * One batch of the ordered feed: read in commit-safe order (after `cursor`),
 * hand the events that are due to the batch handlers at once (a failure
 * there counts as the first event's: it is retried, or dead-lettered and
 * the rest handed over again), then each event to the handlers in order,
 * and add what was relayed to the pending marks (the caller flushes them). A failure is
 * stored with its backoff and stops the batch (head-of-line: order is the
 * promise); once retries are exhausted the event is dead-lettered and the
 * feed moves past it. When `signal` aborts, no further event is started.
 */
export async function relayBatch(
  db: Kysely<any>,
  limit: number,
  cursor: Checkpoint | null,
  marks: PendingMarks,
  context: {
    tables: OutboxTables;
    handlers: Set<EventHandler>;
    batchHandlers: Set<BatchHandler>;
    policy: RetryPolicy;
    metrics: MetricsRecorder;
    signal: AbortSignal;
    /** Whether this process still leads; checked before every event. */
    holds: () => boolean;
    stuck: StuckHeadTracker;
  },
): Promise<BatchOutcome> {
  const { tables, policy, metrics } = context;
  const items = await readUnpublished(db, tables, limit, cursor);
  const relayed: string[] = [];
  let hadFailures = false;
  let last: DomainEvent | undefined;
  let backoffMs: number | undefined;
  // A failure of the head: stored with its backoff ("retry": the batch ends) or dead-lettered ("dead": the feed moves past it).
  const fail = async (event: DomainEvent, attempts: number, error: unknown): Promise<"retry" | "dead" | "unrecorded"> => {
    const failure = { attempts: attempts + 1, error: describeError(error), dead: isExhausted(policy, attempts + 1), delayMs: 0 };
    if (!failure.dead) failure.delayMs = backoffDelay(policy, failure.attempts);
    try {
      await recordFailure(db, tables, FEED_GROUP, event, failure, { upsert: true });
    } catch (recordError) {
      // Not recorded: the head stays where it was (same attempts) and is tried again after the
      // delay. The batch still ends here with what it relayed, so those are marked, never relayed twice.
      metrics.emit({ type: "error", source: FEED_GROUP, error: recordError });
      backoffMs = Math.max(1, backoffDelay(policy, failure.attempts));
      return "unrecorded";
    }
    context.stuck.failed(event, failure.attempts, failure.error, failure.dead ? undefined : failure.delayMs);
    const common = { source: FEED_GROUP, eventId: event.id, eventType: event.eventType, attempts: failure.attempts, error: failure.error };
    if (failure.dead) {
      metrics.emit({ type: "dead_lettered", ...common });
      return "dead";
    }
    metrics.emit({ type: "retry_scheduled", ...common, delayMs: failure.delayMs });
    backoffMs = failure.delayMs;
    return "retry";
  };
  try {
    // The due prefix: an event in backoff ends the batch there.
    const waiting = items.findIndex((item) => item.dueInMs > 0);
    let due = waiting === -1 ? items : items.slice(0, waiting);
    while (context.batchHandlers.size > 0 && due.length > 0) {
      if (context.signal.aborted || !context.holds()) return { read: items.length, last, backoffMs };
      const error = await handOverBatch(context.batchHandlers, due.map((item) => item.event));
      if (error === undefined) break;
      const head = due[0]!;
      const outcome = await fail(head.event, head.attempts, error);
      if (outcome !== "dead") return { read: items.length, last, backoffMs };
      due = due.slice(1);
    }
    let cut = false; // the batch ended before the event in backoff
    for (const { event, attempts } of due) {
      if (context.signal.aborted || !context.holds()) {
        cut = true;
        break;
      }
      hadFailures ||= attempts > 0;
      const error = await handOver(context.handlers, event);
      if (error === undefined) {
        relayed.push(event.id);
        last = event;
        context.stuck.delivered(event.id);
        const latencyMs = Date.now() - event.createdAt.getTime();
        metrics.emit({ type: "delivered", source: FEED_GROUP, eventId: event.id, eventType: event.eventType, attempts: attempts + 1, latencyMs });
        continue;
      }
      if ((await fail(event, attempts, error)) !== "dead") {
        cut = true;
        break;
      }
    }
    if (!cut && waiting !== -1) backoffMs = items[waiting]!.dueInMs;
  } finally {
    marks.add(relayed, hadFailures);
  }
  return { read: items.length, last, backoffMs };
}
