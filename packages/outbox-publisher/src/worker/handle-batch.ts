import type { DomainEvent } from "@org/events";
import type { Kysely } from "kysely";
import { backoffDelay, isExhausted, type RetryPolicy } from "../retry/backoff.js";
import { recordFailure } from "../retry/record-failure.js";
import { describeError, type MetricsRecorder } from "../stats/metrics.js";
import type { OutboxTables } from "../tables.js";
import type { Claimed } from "./claim-query.js";
import { releaseDeliveries } from "./complete-query.js";
import type { Leases } from "./leases.js";

/** Runs `task` over `items` with at most `concurrency` at once. */
async function eachWithConcurrency<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}

/** Claimed events grouped by aggregate, each group in log order. */
function byAggregate(claimed: readonly Claimed[]): Claimed[][] {
  const runs = new Map<string, Claimed[]>();
  for (const item of claimed) {
    const key = `${item.event.aggregateType}\u0000${item.event.aggregateId}`;
    let run = runs.get(key);
    if (!run) runs.set(key, (run = []));
    run.push(item);
  }
  return [...runs.values()];
}

/**
 * Handles one claim: aggregates in parallel (up to `concurrency`), the
 * events of each in order. A failure is stored with its backoff (or
 * dead-letters the event) and gives the rest of that aggregate back; once
 * `signal` aborts, nothing new starts and unstarted events are given back.
 * The handled events whose claims it still holds go to `context.handled`,
 * whatever happens: the caller completes them (with its next fill, one
 * statement fewer per round). Every write is guarded
 * by `locked_by = workerId`: a claim lost to another worker (found by the
 * renewal or by the write itself) is reported as `lease_lost`, never
 * written, and stops its aggregate's run here, as does a claim not renewed
 * within `leaseMs` (its remaining events are given back, guarded too).
 */
export async function handleBatch(
  db: Kysely<any>,
  claimed: readonly Claimed[],
  context: {
    tables: OutboxTables;
    group: string;
    workerId: string;
    leases: Leases;
    handler: (event: DomainEvent) => unknown;
    concurrency: number;
    policy: RetryPolicy;
    metrics: MetricsRecorder;
    signal: AbortSignal;
    /** Receives the handled events to complete. */
    handled: (events: DomainEvent[]) => void;
  },
): Promise<void> {
  const { tables, group, workerId, leases, policy, metrics } = context;
  const completed: string[] = [];
  const released: string[] = [];
  const lost = (events: readonly DomainEvent[]) => {
    for (const event of events) metrics.emit({ type: "lease_lost", source: group, eventId: event.id, eventType: event.eventType });
  };
  try {
    await eachWithConcurrency(byAggregate(claimed), context.concurrency, async (run) => {
      for (const [i, { event, attempts }] of run.entries()) {
        if (context.signal.aborted || !leases.holds(event.id)) {
          released.push(...run.slice(i).map((item) => item.event.id));
          return;
        }
        let failed = false;
        let error: unknown;
        try {
          await context.handler(event);
        } catch (caught) {
          failed = true;
          error = caught;
        }
        const common = { source: group, eventId: event.id, eventType: event.eventType, attempts: attempts + 1 };
        if (!failed) {
          completed.push(event.id);
          metrics.emit({ type: "delivered", ...common, latencyMs: Date.now() - event.createdAt.getTime() });
          if (leases.holds(event.id)) continue;
          // lost (or not renewed) while it ran: whoever holds the aggregate now handles the rest, in order
          released.push(...run.slice(i + 1).map((item) => item.event.id));
          return;
        }
        const dead = isExhausted(policy, attempts + 1);
        const failure = { attempts: attempts + 1, error: describeError(error), dead, delayMs: dead ? 0 : backoffDelay(policy, attempts + 1) };
        released.push(...run.slice(i + 1).map((item) => item.event.id));
        if (leases.settle([event.id]).length === 0) return; // lost while it ran, reported then
        if (!(await recordFailure(db, tables, group, event, failure, { upsert: false, lockedBy: workerId }))) {
          lost([event]);
          return;
        }
        if (dead) metrics.emit({ type: "dead_lettered", ...common, error: failure.error });
        else metrics.emit({ type: "retry_scheduled", ...common, error: failure.error, delayMs: failure.delayMs });
        return;
      }
    });
  } finally {
    // only claims still held: one the renewal found lost was reported then
    const completing = new Set(leases.settle(completed));
    context.handled(claimed.filter(({ event }) => completing.has(event.id)).map(({ event }) => event));
    await releaseDeliveries(db, tables, group, workerId, leases.settle(released));
  }
}
