import { OutboxError } from "../errors.js";
import { LatencyWindow, RateWindow, type LatencySummary } from "./latency-histogram.js";

/**
 * What a publisher or worker reports as it works, for a metrics exporter to
 * count (`source` is the worker group, or `"$feed"` for the ordered feed).
 * `latencyMs` runs from the event's `created_at` (the writing transaction's
 * start, on the database clock) to the end of its handling (this process's
 * clock). `lease_lost` is a worker's claim found taken over by another
 * worker (or gone) before this worker settled it: its outcome was not
 * written, and the event is the new holder's to handle. `head_stuck` is the
 * ordered feed's head failing again: nothing behind it is relayed until it
 * goes through (`stuckForMs` since this process first saw it fail).
 */
export type OutboxMetric =
  | { type: "delivered"; source: string; eventId: string; eventType: string; attempts: number; latencyMs: number }
  | { type: "retry_scheduled"; source: string; eventId: string; eventType: string; attempts: number; delayMs: number; error: string }
  | { type: "dead_lettered"; source: string; eventId: string; eventType: string; attempts: number; error: string }
  | { type: "head_stuck"; source: string; eventId: string; eventType: string; attempts: number; stuckForMs: number; error: string }
  | { type: "lease_lost"; source: string; eventId: string; eventType: string }
  | { type: "leadership_acquired" | "leadership_lost"; source: string }
  | { type: "error"; source: string; error: unknown };

/** Receives every metric event. Exceptions it throws are ignored. */
export type MetricListener = (metric: OutboxMetric) => void;

/** In-process figures of one publisher or worker since it was created. */
export interface DeliveryStats {
  delivered: number;
  /** Failed attempts that were scheduled again. */
  retries: number;
  deadLettered: number;
  /** Errors the loop recovered from (database, LISTEN connection, lease renewal). */
  errors: number;
  /** Claims a worker lost to another worker before settling them (`lease_lost`). */
  leasesLost: number;
  /** Deliveries per second over the last 10 seconds. */
  throughputPerSecond: number;
  /** Over the last 10,000 deliveries; null before the first. */
  latencyMs: LatencySummary | null;
}

/** Counts, keeps latency and throughput windows, and fans metrics out to listeners. */
export class MetricsRecorder {
  readonly #listeners = new Set<MetricListener>();
  readonly #latency = new LatencyWindow();
  readonly #rate = new RateWindow();
  #delivered = 0;
  #retries = 0;
  #deadLettered = 0;
  #errors = 0;
  #leasesLost = 0;

  constructor(listener?: MetricListener) {
    if (listener) this.#listeners.add(listener);
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: MetricListener): () => void {
    if (typeof listener !== "function") throw new OutboxError("invalid_argument", "listener must be a function");
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  emit(metric: OutboxMetric): void {
    switch (metric.type) {
      case "delivered":
        this.#delivered++;
        this.#latency.record(metric.latencyMs);
        this.#rate.add();
        break;
      case "retry_scheduled":
        this.#retries++;
        break;
      case "dead_lettered":
        this.#deadLettered++;
        break;
      case "error":
        this.#errors++;
        break;
      case "lease_lost":
        this.#leasesLost++;
        break;
    }
    for (const listener of this.#listeners) {
      try {
        listener(metric);
      } catch {
        // a broken exporter must not break delivery
      }
    }
  }

  snapshot(): DeliveryStats {
    return {
      delivered: this.#delivered,
      retries: this.#retries,
      deadLettered: this.#deadLettered,
      errors: this.#errors,
      leasesLost: this.#leasesLost,
      throughputPerSecond: this.#rate.perSecond(),
      latencyMs: this.#latency.summary(),
    };
  }
}

/** The text of an error as stored in `last_error`, bounded. */
export function describeError(error: unknown): string {
  const text =
    error instanceof AggregateError
      ? `${error.message}: ${error.errors.map((e) => (e instanceof Error ? e.message : String(e))).join("; ")}`
      : error instanceof Error
        ? (error.stack ?? `${error.name}: ${error.message}`)
        : String(error);
  return text.length > 4000 ? `${text.slice(0, 4000)}…` : text;
}
