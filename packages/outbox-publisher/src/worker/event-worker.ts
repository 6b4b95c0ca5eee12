import { typePatternParts, type DomainEvent, type EventsDatabase, type Executor } from "@org/events";
import type { Kysely } from "kysely";
import { createLifecycle } from "../lifecycle.js";
import { MetricsRecorder } from "../stats/metrics.js";
import { abortableDelay } from "../wake/abortable-delay.js";
import { Wakeup } from "../wake/wakeup.js";
import { claimDeliveries } from "./claim-query.js";
import { completeDeliveries } from "./complete-query.js";
import { fillDeliveries, registerGroup } from "./fill-query.js";
import { handleBatch } from "./handle-batch.js";
import { Leases } from "./leases.js";
import { resolveEventWorkerOptions, type EventWorker, type EventWorkerOptions } from "./worker-options.js";

export type { EventWorker, EventWorkerOptions } from "./worker-options.js";

/**
 * Parallel handlers over the log: workers of one group, in any number of
 * processes, share its events. Each event is handled by one worker at a
 * time (claims with `FOR UPDATE SKIP LOCKED` under a lease that the worker
 * renews while it holds them); the events of one aggregate in their commit
 * order, different aggregates in parallel. At least once: a crash mid-batch
 * means the batch comes again after `leaseMs`. Failures back off with jitter; after `retry.maxAttempts` the
 * event is dead-lettered and holds back only its own aggregate.
 *
 * @example
 * const worker = createEventWorker(db, {
 *   group: "webhooks",
 *   types: ["payment.*"],
 *   handler: async (event) => postWebhook(event),
 *   listen: pgListener({ connectionString }),
 * });
 * await worker.start();
 */
export function createEventWorker<DB extends EventsDatabase<T>, T extends string = "domain_events">(database: Executor<DB>, options: EventWorkerOptions<T>): EventWorker {
  const db: Kysely<any> = database;
  const settings = resolveEventWorkerOptions(options);
  const { group, tables, policy, leaseRenewalIntervalMs: renewalIntervalMs } = settings;
  const metrics = new MetricsRecorder(settings.onMetric);
  const wakeup = new Wakeup();
  const report = (error: unknown) => metrics.emit({ type: "error", source: group, error });
  const claimOptions = { limit: settings.batchSize, leaseMs: settings.leaseMs, workerId: settings.workerId };
  // the types split once (they were checked with the options), not on every fill
  const fillFilter = { types: typePatternParts(settings.types), tenantId: settings.tenantId };
  const leases = new Leases({
    db,
    tables,
    group,
    workerId: settings.workerId,
    leaseMs: settings.leaseMs,
    renewalIntervalMs,
    onLost: (events) => {
      for (const event of events) metrics.emit({ type: "lease_lost", source: group, eventId: event.id, eventType: event.eventType });
    },
    onError: report,
  });

  // Fill only while the queue runs short (the last claim was not full): a
  // queue far ahead of the claims only makes every claim scan more rows.
  let fillDue = true;
  let lastQueueClaimAt = Number.NEGATIVE_INFINITY;
  // Handled events whose delivery rows the next fill deletes (or the next round, when it does not fill).
  let toComplete: DomainEvent[] = [];
  const handled = (events: DomainEvent[]) => void toComplete.push(...events);

  /** Deletes what `complete` handed over; reports those whose claims were lost meanwhile. On failure they stay to complete. */
  async function completing<R extends { completed: Set<string> }>(complete: (ids: string[]) => Promise<R>): Promise<R> {
    const done = toComplete;
    toComplete = [];
    let result: R;
    try {
      result = await complete(done.map((event) => event.id));
    } catch (error) {
      toComplete = [...done, ...toComplete];
      throw error;
    }
    for (const event of done) {
      if (!result.completed.has(event.id)) metrics.emit({ type: "lease_lost", source: group, eventId: event.id, eventType: event.eventType });
    }
    return result;
  }
  const completeOnly = () => completing(async (ids) => ({ completed: await completeDeliveries(db, tables, group, settings.workerId, ids) }));

  /**
   * One fill (when due), claim and handling. Returns whether another round
   * should follow at once: something was claimed, the fill may have left
   * more behind, or this round did not fill, so an empty claim says nothing
   * about the log (sleeping then would leave a backlog waiting a whole poll
   * interval).
   */
  async function round(signal: AbortSignal): Promise<boolean> {
    const filled = fillDue;
    const claimedAt = Date.now();
    const fill = filled
      ? await completing((ids) => fillDeliveries(db, tables, group, settings.fillBatchSize, fillFilter, claimOptions, ids))
      : { ...(await completeOnly()), scanned: 0, claimed: [], queueHasDue: true };
    let claimed = fill.claimed;
    // The queued rows (retries due, released claims, what the fill could not claim): when the fill saw some
    // and claimed nothing, and at least once per poll interval, so a stream of new events never starves them.
    const queueClaimDue = (fill.queueHasDue && claimed.length === 0) || Date.now() - lastQueueClaimAt >= settings.pollIntervalMs;
    if (claimed.length < settings.batchSize && !signal.aborted && queueClaimDue) {
      lastQueueClaimAt = Date.now();
      claimed = [...claimed, ...(await claimDeliveries(db, tables, group, { ...claimOptions, limit: settings.batchSize - claimed.length }))];
    }
    fillDue = claimed.length < settings.batchSize;
    if (claimed.length > 0) {
      leases.hold(claimed.map(({ event }) => event), claimedAt);
      try {
        // once stopping, it gives every unstarted claim back, the fill's included
        await handleBatch(db, claimed, { ...settings, tables, group, leases, policy, metrics, signal, handled });
      } finally {
        leases.clear();
      }
    }
    return claimed.length > 0 || !filled || fill.scanned === settings.fillBatchSize;
  }

  async function loop(signal: AbortSignal): Promise<void> {
    for (;;) {
      try {
        await registerGroup(db, tables, group, settings.startFrom);
        break;
      } catch (error) {
        report(error);
        await abortableDelay(settings.pollIntervalMs, signal);
        if (signal.aborted) return;
      }
    }
    while (!signal.aborted) {
      let busy = false;
      try {
        busy = await round(signal);
      } catch (error) {
        fillDue = true;
        report(error);
      }
      if (!busy) {
        await wakeup.wait(settings.pollIntervalMs, signal);
        fillDue = true;
      }
    }
  }

  const lifecycle = createLifecycle({
    listen: settings.listen,
    onWake: () => wakeup.notify(),
    onError: report,
    async run(signal) {
      leases.start();
      try {
        await loop(signal);
      } finally {
        await completeOnly().catch(report);
        await leases.stop();
      }
    },
  });

  return {
    start: lifecycle.start,
    stop: lifecycle.stop,
    subscribe: (listener) => metrics.subscribe(listener),
    notify: () => wakeup.notify(),
    getStats: () => metrics.snapshot(),
  };
}
