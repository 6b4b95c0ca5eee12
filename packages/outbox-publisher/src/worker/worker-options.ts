import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { DomainEvent } from "@org/events";
import { checkInteger, OutboxError } from "../errors.js";
import { definedOptions } from "../options.js";
import { resolveRetryPolicy, type RetryOptions, type RetryPolicy } from "../retry/backoff.js";
import type { DeliveryStats, MetricListener } from "../stats/metrics.js";
import { checkGroupName, FEED_GROUP, resolveTables, type OutboxTableOptions, type OutboxTables } from "../tables.js";
import { checkTypePatterns } from "../type-patterns.js";
import type { WakeSource } from "../wake/wake-source.js";

/** Options of {@link createEventWorker}. */
export interface EventWorkerOptions<T extends string = string> extends OutboxTableOptions<T> {
  /** The handler group: each group gets every event once, with its own delivery state. */
  group: string;
  /** Handles one event; throw (or reject) to have it retried. */
  handler: (event: DomainEvent) => unknown;
  /** Only events of these type patterns (`payment.*`); all when omitted. */
  types?: readonly string[];
  /** Only events of this tenant; every tenant's when omitted. Others never enter the group's queue. */
  tenantId?: string;
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

/** {@link EventWorkerOptions} with every default merged and every value checked. */
export interface ResolvedEventWorkerOptions
  extends Required<Omit<EventWorkerOptions, "types" | "tenantId" | "retry" | "listen" | "onMetric" | "tableName">>,
    Pick<EventWorkerOptions, "types" | "tenantId" | "listen" | "onMetric"> {
  tables: OutboxTables;
  policy: RetryPolicy;
}

/**
 * Merges the defaults of {@link EventWorkerOptions} once and throws
 * `OutboxError("invalid_options")` for values out of range or contradicting
 * each other (a renewal interval not below the lease, the reserved group).
 *
 * @example
 * resolveEventWorkerOptions({ group: "mail", handler, leaseMs: 300, leaseRenewalIntervalMs: 300 }); // throws
 */
export function resolveEventWorkerOptions(options: EventWorkerOptions): ResolvedEventWorkerOptions {
  const defined = definedOptions(options) as EventWorkerOptions;
  const settings = {
    concurrency: 10,
    batchSize: 100,
    fillBatchSize: 1000,
    leaseMs: 30_000,
    pollIntervalMs: 500,
    startFrom: "beginning" as const,
    workerId: `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`,
    ...defined,
  };
  const group = checkGroupName(settings.group);
  if (group === FEED_GROUP) throw new OutboxError("invalid_options", `group "${FEED_GROUP}" is reserved for the ordered feed`);
  if (typeof settings.handler !== "function") throw new OutboxError("invalid_options", "handler must be a function");
  checkInteger("concurrency", settings.concurrency, 1, 1000);
  checkInteger("batchSize", settings.batchSize, 1, 10_000);
  checkInteger("fillBatchSize", settings.fillBatchSize, 1, 100_000);
  checkInteger("leaseMs", settings.leaseMs, 100);
  const leaseRenewalIntervalMs = settings.leaseRenewalIntervalMs ?? Math.floor(settings.leaseMs / 3);
  checkInteger("leaseRenewalIntervalMs", leaseRenewalIntervalMs, 10);
  if (leaseRenewalIntervalMs >= settings.leaseMs) {
    throw new OutboxError("invalid_options", `leaseRenewalIntervalMs must be less than leaseMs (got ${leaseRenewalIntervalMs} >= ${settings.leaseMs})`);
  }
  checkInteger("pollIntervalMs", settings.pollIntervalMs, 1);
  if (settings.startFrom !== "beginning" && settings.startFrom !== "now") {
    throw new OutboxError("invalid_options", 'startFrom must be "beginning" or "now"');
  }
  if (typeof settings.workerId !== "string" || settings.workerId === "") throw new OutboxError("invalid_options", "workerId must be a non-empty string");
  checkTypePatterns(settings.types);
  if (settings.tenantId !== undefined && (typeof settings.tenantId !== "string" || settings.tenantId === "")) {
    throw new OutboxError("invalid_options", "tenantId must be a non-empty string");
  }
  const { retry, tableName, ...rest } = settings;
  return { ...rest, group, leaseRenewalIntervalMs, tables: resolveTables({ tableName }), policy: resolveRetryPolicy(retry) };
}
