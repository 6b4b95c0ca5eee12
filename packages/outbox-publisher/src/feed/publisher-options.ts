import { checkInteger, OutboxError } from "../errors.js";
import { definedOptions } from "../options.js";
import { resolveRetryPolicy, type RetryPolicy } from "../retry/backoff.js";
import { resolveTables, type OutboxTables } from "../tables.js";
import type { LeaderElection } from "./leader.js";
import type { EventPublisherOptions } from "./ordered-feed.js";

/** {@link EventPublisherOptions} with every default merged and every value checked. */
export interface ResolvedEventPublisherOptions
  extends Required<Omit<EventPublisherOptions, "retry" | "listen" | "onMetric" | "tableName" | "leader">>,
    Pick<EventPublisherOptions, "listen" | "onMetric"> {
  /** The election given, or undefined: `createEventPublisher` then uses `defaultLeader(db)`. */
  leader: LeaderElection | undefined;
  tables: OutboxTables;
  policy: RetryPolicy;
}

/**
 * Merges the defaults of {@link EventPublisherOptions} once and throws
 * `OutboxError("invalid_options")` for values out of range or contradicting
 * each other (a read interval above the poll interval).
 *
 * @example
 * resolveEventPublisherOptions({ pollIntervalMs: 10, minReadIntervalMs: 50 }); // throws
 */
export function resolveEventPublisherOptions(options: EventPublisherOptions = {}): ResolvedEventPublisherOptions {
  const defined = definedOptions(options);
  const { retry, tableName, ...settings } = { pollIntervalMs: 500, batchSize: 100, markDelayMs: 5, minReadIntervalMs: 0, log: console.warn, ...defined };
  checkInteger("pollIntervalMs", settings.pollIntervalMs, 1);
  checkInteger("markDelayMs", settings.markDelayMs, 0, 60_000);
  checkInteger("minReadIntervalMs", settings.minReadIntervalMs, 0, 60_000);
  if (settings.minReadIntervalMs > settings.pollIntervalMs) throw new OutboxError("invalid_options", "minReadIntervalMs must not exceed pollIntervalMs");
  checkInteger("batchSize", settings.batchSize, 1, 10_000);
  const { leader } = settings;
  if (leader !== undefined && typeof leader?.acquire !== "function") throw new OutboxError("invalid_options", "leader must be a LeaderElection (acquire)");
  if (typeof settings.log !== "function") throw new OutboxError("invalid_options", "log must be a function");
  if (settings.listen !== undefined && typeof settings.listen.subscribe !== "function") {
    throw new OutboxError("invalid_options", "listen must be a WakeSource (subscribe)");
  }
  if (settings.onMetric !== undefined && typeof settings.onMetric !== "function") throw new OutboxError("invalid_options", "onMetric must be a function");
  // The feed holds a failing head until it goes through: skipping (dead-lettering) only when maxAttempts is given.
  return { ...settings, leader, tables: resolveTables({ tableName }), policy: resolveRetryPolicy({ maxAttempts: Infinity, ...definedOptions(retry) }) };
}
