import { matchesEventType, toCloudEvent, toStructuredHttp, type DomainEvent } from "@org/events";
import { createEventWorker, dropWorkerGroup, type DeliveryStats, type EventWorker, type OutboxMetric, type RetryOptions, type WakeSource } from "@org/outbox-publisher";
import type { Kysely } from "kysely";
import { groupOfEndpoint, listEndpoints, type WebhookEndpoint } from "./endpoints.js";
import { activeTraceparent, inEventSpan, SpanKind } from "../tracing/trace-context.js";
import { postWebhook } from "./post-webhook.js";
import { EVENT_SOURCE, publicEvents } from "./public-events.js";
import { standardWebhookHeaders } from "./signature.js";

/** Options of {@link createWebhookDelivery}. */
export interface WebhookDeliveryOptions {
  /**
   * Longest wait for an endpoint's answer (connection to response headers).
   * @default 10000
   */
  timeoutMs?: number;
  /**
   * Deliver to loopback, link-local and private addresses too.
   * @default false
   */
  allowPrivateNetworks?: boolean;
  /**
   * Backoff with jitter between attempts, and attempts before the dead letter.
   * @default { initialDelayMs: 1000, multiplier: 2, maxDelayMs: 300000, maxAttempts: 8, jitter: 0.5 }
   */
  retry?: RetryOptions;
  /**
   * How often the set of endpoints is read again (endpoints registered
   * through another instance start within this).
   * @default 5000
   */
  refreshIntervalMs?: number;
  /**
   * Longest sleep of an endpoint's worker without a wake-up.
   * @default 500
   */
  pollIntervalMs?: number;
  /**
   * Most deliveries in flight per endpoint (different aggregates; one
   * aggregate's events go one after another).
   * @default 4
   */
  concurrency?: number;
  /** Wake-ups for the workers (LISTEN/NOTIFY); without one they poll. */
  listen?: () => WakeSource;
  /** Every worker metric, with the endpoint id. */
  onMetric?: (metric: OutboxMetric, endpointId: string) => void;
}

/** The webhook delivery of one service instance. */
export interface WebhookDelivery {
  /** Reads the endpoints and starts a worker for each. */
  start(): Promise<void>;
  /** Reads the endpoints again now: starts new ones, stops removed ones. */
  refresh(): Promise<void>;
  /** Wakes the workers of the endpoints that take `eventType` (every endpoint's without one, e.g. after a requeue). */
  notify(eventType?: string): void;
  /** Stops every worker; in-flight deliveries settle. */
  stop(): Promise<void>;
  /** The endpoint ids with a running worker in this instance. */
  running(): string[];
  /** This instance's figures of an endpoint's worker; undefined when it runs none. */
  stats(endpointId: string): DeliveryStats | undefined;
}

/**
 * One worker group per endpoint, on the outbox's worker machinery: each
 * endpoint has its own queue, checkpoint, retries and dead letters, so a
 * slow or dead endpoint only ever delays itself. Within an endpoint the
 * events of one aggregate are delivered in order (a failing one holds back
 * its aggregate's later events until it is delivered, or dead-lettered and
 * then requeued or discarded); different aggregates in parallel. Each
 * matching public event of the endpoint's tenant is POSTed as a structured
 * CloudEvent signed per Standard Webhooks; any failure (network error,
 * timeout, non-2xx, a forbidden address) is retried with backoff and jitter,
 * then dead-lettered. Any number of instances may run it: workers of one
 * group share its events.
 */
export function createWebhookDelivery(db: Kysely<any>, options: WebhookDeliveryOptions = {}): WebhookDelivery {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const allowPrivateNetworks = options.allowPrivateNetworks ?? false;
  const retry: RetryOptions = { initialDelayMs: 1000, multiplier: 2, maxDelayMs: 300_000, maxAttempts: 8, jitter: 0.5, ...options.retry };
  const refreshIntervalMs = options.refreshIntervalMs ?? 5000;
  const workers = new Map<string, EventWorker>();
  const typesOf = new Map<string, readonly string[]>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let refreshing: Promise<void> = Promise.resolve();

  async function deliver(endpoint: WebhookEndpoint, event: DomainEvent): Promise<void> {
    // the group only queues the endpoint's tenant; checked again as the last guard against sending one tenant's data to another
    if (event.tenantId !== endpoint.tenantId || !publicEvents.isPublic(event.eventType)) return;
    const message = toStructuredHttp(toCloudEvent(event, { catalog: publicEvents, source: EVENT_SOURCE }));
    // continues the trace the event was written in; the request carries this span as its traceparent
    await inEventSpan(`webhook delivery ${event.eventType}`, event, SpanKind.CLIENT, async (span) => {
      span.setAttributes({ "webhook.id": endpoint.id, "url.full": endpoint.url });
      const traceparent = activeTraceparent();
      const status = await postWebhook({
        url: endpoint.url,
        headers: { ...message.headers, ...standardWebhookHeaders(endpoint.secret, event.id, message.body), ...(traceparent === undefined ? {} : { traceparent }) },
        body: message.body,
        timeoutMs,
        allowPrivateNetworks,
      });
      span.setAttribute("http.response.status_code", status);
    });
  }

  function startWorker(endpoint: WebhookEndpoint): EventWorker {
    const worker = createEventWorker(db, {
      group: groupOfEndpoint(endpoint.id),
      types: endpoint.types,
      tenantId: endpoint.tenantId,
      startFrom: "now",
      handler: (event) => deliver(endpoint, event),
      concurrency: options.concurrency ?? 4,
      pollIntervalMs: options.pollIntervalMs ?? 500,
      // a hung endpoint holds a claim until its timeout: the lease outlives it
      leaseMs: Math.max(30_000, timeoutMs * 3),
      retry,
      ...(options.listen ? { listen: options.listen() } : {}),
      ...(options.onMetric ? { onMetric: (metric: OutboxMetric) => options.onMetric!(metric, endpoint.id) } : {}),
    });
    workers.set(endpoint.id, worker);
    typesOf.set(endpoint.id, endpoint.types);
    return worker;
  }

  async function reconcile(): Promise<void> {
    const endpoints = await listEndpoints(db);
    if (stopped) return;
    const wanted = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint]));
    for (const [id, worker] of workers) {
      if (wanted.has(id)) continue;
      workers.delete(id);
      typesOf.delete(id);
      await worker.stop();
      // the worker may have re-created the group while the endpoint was being removed
      await dropWorkerGroup(db, { group: groupOfEndpoint(id) });
    }
    for (const endpoint of endpoints) {
      if (!workers.has(endpoint.id)) await startWorker(endpoint).start();
    }
  }

  const refresh = () => (refreshing = refreshing.then(reconcile, reconcile));

  return {
    async start() {
      await refresh();
      const tick = () => {
        timer = setTimeout(() => {
          refresh()
            .catch((error) => console.error("webhooks: refreshing the endpoints failed:", error))
            .finally(() => {
              if (!stopped) tick();
            });
        }, refreshIntervalMs);
        timer.unref();
      };
      tick();
    },
    refresh,
    notify(eventType) {
      for (const [id, worker] of workers) {
        if (eventType === undefined || typesOf.get(id)?.some((pattern) => matchesEventType(eventType, pattern))) worker.notify();
      }
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await refreshing.catch(() => undefined);
      const all = [...workers.values()];
      workers.clear();
      const results = await Promise.allSettled(all.map((worker) => worker.stop()));
      const errors = results.filter((result) => result.status === "rejected").map((result) => (result as PromiseRejectedResult).reason);
      if (errors.length > 0) throw new AggregateError(errors, "stopping the webhook workers failed");
    },
    running: () => [...workers.keys()],
    stats: (endpointId) => workers.get(endpointId)?.getStats(),
  };
}
