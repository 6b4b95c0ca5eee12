import type { EventsDatabase, Executor } from "@org/events";
import { sql, type Kysely } from "kysely";
import { checkInteger, OutboxError } from "./errors.js";
import { definedOptions } from "./options.js";
import { resolveTables, type OutboxTableOptions } from "./tables.js";

const latestKept = (e: ReturnType<typeof sql.table>) => sql`and exists (
  select 1 from ${e} n where n.aggregate_type = v.aggregate_type and n.aggregate_id = v.aggregate_id
    and n.aggregate_version > v.aggregate_version)`;

/** Options of {@link deleteOldEvents}. */
export interface RetentionOptions<T extends string = string> extends OutboxTableOptions<T> {
  /**
   * Events created longer ago than this may go.
   * @default 604800000 (7 days)
   */
  olderThanMs?: number;
  /**
   * Rows per delete statement: each batch is its own short statement, so
   * no lock is held for long.
   * @default 1000
   */
  batchSize?: number;
  /**
   * Only events the ordered feed has published. Set false when no feed runs
   * (worker groups only).
   * @default true
   */
  requirePublished?: boolean;
  /**
   * Keep each aggregate's latest event even when it is old: the events
   * table assigns the next aggregate version from the last one stored, so
   * deleting it would restart the aggregate at version 1.
   * @default true
   */
  keepLatestPerAggregate?: boolean;
  /** Stops between batches. */
  signal?: AbortSignal;
}

/**
 * Merges the defaults of {@link RetentionOptions} once and throws
 * `OutboxError("invalid_options")` for values out of range.
 */
export function resolveRetentionOptions(options: RetentionOptions = {}) {
  const { tableName, signal, ...settings } = {
    olderThanMs: 7 * 24 * 60 * 60 * 1000,
    batchSize: 1000,
    requirePublished: true,
    keepLatestPerAggregate: true,
    ...definedOptions(options),
  };
  checkInteger("olderThanMs", settings.olderThanMs, 0);
  checkInteger("batchSize", settings.batchSize, 1, 100_000);
  if (typeof settings.requirePublished !== "boolean") throw new OutboxError("invalid_options", "requirePublished must be a boolean");
  if (typeof settings.keepLatestPerAggregate !== "boolean") throw new OutboxError("invalid_options", "keepLatestPerAggregate must be a boolean");
  return { ...settings, signal, tables: resolveTables({ tableName }) };
}

/**
 * Deletes old events that every consumer is done with: published by the
 * feed (unless `requirePublished: false`), past every worker group's
 * checkpoint, and with no delivery row left in any group (so dead letters
 * and pending retries stay until someone handles them); each aggregate's
 * latest event stays too (unless `keepLatestPerAggregate: false`). Works in batches
 * of short statements that skip rows locked by others; returns how many
 * events it deleted.
 *
 * @example
 * setInterval(() => void deleteOldEvents(db, { olderThanMs: 7 * 24 * 3600_000 }), 3600_000);
 */
export async function deleteOldEvents<DB extends EventsDatabase<T>, T extends string = "domain_events">(database: Executor<DB>, options: RetentionOptions<T> = {}): Promise<number> {
  const db: Kysely<any> = database;
  const { olderThanMs, batchSize, requirePublished, keepLatestPerAggregate, signal, tables } = resolveRetentionOptions(options);
  const e = sql.table(tables.events);
  let deleted = 0;
  while (!signal?.aborted) {
    const result = await sql`
      delete from ${e} where id in (
        select v.id from ${e} v
        where v.created_at < now() - ${olderThanMs} * interval '1 millisecond'
          ${requirePublished ? sql`and v.published_at is not null` : sql``}
          and not exists (select 1 from ${sql.table(tables.deliveries)} d where d.event_id = v.id)
          ${keepLatestPerAggregate ? latestKept(e) : sql``}
          and not exists (
            select 1 from ${sql.table(tables.groups)} g
            where (g.transaction_id, g.position) < (v.transaction_id, v.position))
        limit ${batchSize}
        for update skip locked)`.execute(db);
    const count = Number(result.numAffectedRows ?? 0);
    deleted += count;
    if (count < batchSize) break;
  }
  return deleted;
}
