import type { EventsDatabase, Executor } from "@org/events";
import { createEventStore, type Checkpoint, type DomainEvent, type LogFilter } from "@org/events";
import type { Kysely } from "kysely";
import { checkInteger, OutboxError } from "./errors.js";
import { definedOptions } from "./options.js";
import { resolveTables, type OutboxTableOptions } from "./tables.js";
import { checkTypePatterns } from "./type-patterns.js";

/** Options of {@link replayEvents}: filters by tenant, event type and aggregate, plus a position range. */
export interface ReplayOptions<T extends string = string> extends LogFilter, OutboxTableOptions<T> {
  /** Start after this checkpoint or event id (exclusive); from the start when omitted. */
  after?: Checkpoint | string;
  /** Stop at this checkpoint or event id (inclusive). */
  until?: Checkpoint | string;
  /**
   * Events read per page.
   * @default 500
   */
  pageSize?: number;
  /** Stops the replay between events. */
  signal?: AbortSignal;
}

/**
 * Merges the defaults of {@link ReplayOptions} once and throws
 * `OutboxError("invalid_options")` for a bad page size, table name or type
 * pattern.
 */
export function resolveReplayOptions(options: ReplayOptions) {
  const { after, until, pageSize = 500, signal, tableName, ...filter } = definedOptions(options) as ReplayOptions;
  checkInteger("pageSize", pageSize, 1, 10_000);
  checkTypePatterns(filter.types);
  return { after, until, pageSize, signal, filter, tables: resolveTables({ tableName }) };
}

/**
 * Hands a filtered range of the log (tenant, type patterns, time range,
 * checkpoints or event ids) to `handler`, one event at a time, in the
 * commit-safe order of the store, and returns how many it handed over.
 * Touches no delivery state: `published_at`, worker queues and dead letters
 * stay as they are. A handler error stops the replay and rejects with it.
 * Throws `not_found` for an unknown event id in `after`/`until`.
 *
 * @example
 * const count = await replayEvents(db, {
 *   tenantId: "tenant-abc", types: ["product.*"],
 *   from: new Date("2025-01-01"), to: new Date("2025-02-01"),
 * }, async (event) => rebuildSearchIndex(event));
 */
export async function replayEvents<DB extends EventsDatabase<T>, T extends string = "domain_events">(
  database: Executor<DB>,
  options: ReplayOptions<T>,
  handler: (event: DomainEvent) => unknown,
): Promise<number> {
  const db: Kysely<any> = database;
  const { after, until, pageSize, signal, filter, tables } = resolveReplayOptions(options);
  if (typeof handler !== "function") throw new OutboxError("invalid_argument", "handler must be a function");
  const store = createEventStore(db, { tableName: tables.events });
  const resolve = async (at: Checkpoint | string | undefined, field: string) => {
    if (typeof at !== "string") return at;
    const checkpoint = await store.getCheckpoint(at);
    if (!checkpoint) throw new OutboxError("not_found", `${field}: no event ${at}`);
    return checkpoint;
  };
  let checkpoint = (await resolve(after, "after")) ?? null;
  const end = await resolve(until, "until");
  let count = 0;
  while (!signal?.aborted) {
    const page = await store.readAfter(checkpoint, { ...filter, until: end, limit: pageSize });
    for (const event of page.events) {
      if (signal?.aborted) return count;
      await handler(event);
      count++;
    }
    if (page.events.length < pageSize) break;
    checkpoint = page.checkpoint;
  }
  return count;
}
