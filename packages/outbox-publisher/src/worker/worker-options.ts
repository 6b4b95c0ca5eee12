import type { DomainEvent } from "@org/events";
import type { RetryOptions } from "../retry/backoff.js";
import type { DeliveryStats, MetricListener } from "../stats/metrics.js";
import type { OutboxTableOptions } from "../tables.js";
import type { WakeSource } from "../wake/wake-source.js";

/** Options of {@link createEventWorker}. */
export interface EventWorkerOptions extends OutboxTableOptions {
  /** The handler group: each group gets every event once, with its own delivery state. */
  group: string;
  /** Handles one event; throw (or reject) to have it retried. */
  handler: (event: DomainEvent) => unknown;
  /** Only events of these type patterns (`payment.*`); all when omitted. */
  types?: readonly string[];
  /**
   * Most handlers running at once in this process (different aggregates).
   * @default 10
   */
  concurrency?: number;
  /**
   * Most events claimed per round trip.
   * @default 100
   */
  batchSize?: number;
  /**
   * Most events moved from the log into the group's queue per round trip.
   * @default 1000
   */
  fillBatchSize?: number;
  /**
   * How long a crashed (or stalled) worker's claims stay locked before other
   * workers may take them. Not a cap on handling time: a live worker renews
   * the claims it holds every `leaseRenewalIntervalMs`.
   * @default 30000
   */
  leaseMs?: number;
  /**
   * How often a worker extends the leases of the claims it holds (one
   * UPDATE for all of them). Must be less than `leaseMs`; the margin is how
   * late a renewal may be (slow database, busy event loop) before a claim
   * can be lost.
   * @default Math.floor(leaseMs / 3)
   */
  leaseRenewalIntervalMs?: number;
  /**
   * Longest sleep between rounds without a wake-up.
   * @default 500
   */
  pollIntervalMs?: number;
  /**
   * Where a new group starts: at the beginning of the log or at its end.
   * @default "beginning"
   */
  startFrom?: "beginning" | "now";
  /** Backoff and dead-lettering (defaults: 1 s, ×2 per attempt, capped at 60 s, 5 attempts). */
  retry?: RetryOptions;
  /** Where wake-ups come from; without one, it polls. */
  listen?: WakeSource;
  /** Receives every metric event. */
  onMetric?: MetricListener;
  /**
   * Recorded as `locked_by` on claims.
   * @default `${hostname}:${pid}:${random}`
   */
  workerId?: string;
}

/** A worker of one handler group. */
export interface EventWorker {
  /** Starts claiming; resolves once listening. Idempotent. */
  start(): Promise<void>;
  /** No new claims; in-flight handlers settle; unstarted claims are given back. Idempotent. */
  stop(): Promise<void>;
  subscribe(listener: MetricListener): () => void;
  notify(): void;
  getStats(): DeliveryStats;
}
