import type { Checkpoint } from "@org/events";
import { checkInteger, OutboxError } from "../errors.js";
import type { OutboxTableOptions } from "../tables.js";
import type { WakeSource } from "../wake/wake-source.js";

/** Options of {@link createLogFollower}. */
export interface LogFollowerOptions<T extends string = string> extends OutboxTableOptions<T> {
  /** Where wake-ups come from: `pgListener(...)`, `pgliteListener(pglite)`. Without one, it polls. */
  listen?: WakeSource | undefined;
  /**
   * Longest sleep between reads when no wake-up comes (the fallback for lost
   * notifications). `0` never polls: it reads on wake-ups, `notify()` and
   * `catchUp()` only (for a follower that another carrier keeps up to date).
   * @default 500
   */
  pollIntervalMs?: number;
  /**
   * Most events read per round trip.
   * @default 500
   */
  batchSize?: number;
  /**
   * Least time between two reads that wake-ups trigger: a burst of commits
   * costs one read, not one per commit. A full page is followed at once.
   * @default 5
   */
  minReadIntervalMs?: number;
  /**
   * Where to start: `"head"` delivers only what commits from now on,
   * `"start"` the whole log, a checkpoint what comes after it.
   * @default "head"
   */
  from?: "head" | "start" | Checkpoint;
  /** Told about failed reads and failing handlers (the follower goes on). */
  onError?: ((error: unknown) => void) | undefined;
}

/** Options after defaults were merged and validated. */
export type ResolvedLogFollowerOptions = Required<Omit<LogFollowerOptions, "listen" | "onError" | "tableName">> &
  Pick<LogFollowerOptions, "listen" | "onError" | "tableName">;

/**
 * Merges the defaults once; throws `OutboxError("invalid_options")` for a
 * value out of range or options that contradict each other.
 */
export function resolveLogFollowerOptions(options: LogFollowerOptions = {}): ResolvedLogFollowerOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const resolved = { pollIntervalMs: 500, batchSize: 500, minReadIntervalMs: 5, from: "head", ...defined } as ResolvedLogFollowerOptions;
  checkInteger("pollIntervalMs", resolved.pollIntervalMs, 0, 3_600_000);
  checkInteger("batchSize", resolved.batchSize, 1, 10_000);
  checkInteger("minReadIntervalMs", resolved.minReadIntervalMs, 0, 60_000);
  if (resolved.pollIntervalMs > 0 && resolved.minReadIntervalMs > resolved.pollIntervalMs) {
    throw new OutboxError("invalid_options", "minReadIntervalMs must not exceed pollIntervalMs");
  }
  const { from } = resolved;
  const isCheckpoint =
    typeof from === "object" && from !== null && /^\d+$/.test(String(from.transactionId)) && Number.isSafeInteger(from.position);
  if (from !== "head" && from !== "start" && !isCheckpoint) {
    throw new OutboxError("invalid_options", 'from must be "head", "start" or a checkpoint { transactionId, position }');
  }
  if (resolved.listen !== undefined && typeof resolved.listen?.subscribe !== "function") {
    throw new OutboxError("invalid_options", "listen must be a WakeSource");
  }
  if (resolved.onError !== undefined && typeof resolved.onError !== "function") throw new OutboxError("invalid_options", "onError must be a function");
  return resolved;
}
