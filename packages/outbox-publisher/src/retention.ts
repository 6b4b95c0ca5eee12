import { commitSafeHorizon, lowWaterTableName, type EventsDatabase, type Executor } from "@org/events";
import { sql, type Kysely } from "kysely";
import { checkInteger, OutboxError } from "./errors.js";
import { definedOptions } from "./options.js";
import { resolveTables, type OutboxTableOptions } from "./tables.js";

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
  /** Stops between batches. */
  signal?: AbortSignal;
}

/**
 * Merges the defaults of {@link RetentionOptions} once and throws
 * `OutboxError("invalid_options")` for values out of range, and for
 * `keepLatestPerAggregate`, which is gone: retention deletes a prefix of the
 * log, and versions survive it in the stream rows.
 */
export function resolveRetentionOptions(options: RetentionOptions = {}) {
  if ((options as { keepLatestPerAggregate?: unknown }).keepLatestPerAggregate !== undefined) {
    throw new OutboxError("invalid_options", "keepLatestPerAggregate is gone: retention deletes a prefix of the log, and versions survive it");
  }
  const { tableName, signal, ...settings } = {
    olderThanMs: 7 * 24 * 60 * 60 * 1000,
    batchSize: 1000,
    requirePublished: true,
    ...definedOptions(options),
  };
  checkInteger("olderThanMs", settings.olderThanMs, 0);
  checkInteger("batchSize", settings.batchSize, 1, 100_000);
  if (typeof settings.requirePublished !== "boolean") throw new OutboxError("invalid_options", "requirePublished must be a boolean");
  return { ...settings, signal, tables: resolveTables({ tableName }) };
}

/**
 * Deletes the oldest part of the log that every consumer is done with: a
 * prefix in commit-safe order `(transaction_id, position)`, never an event
 * with a kept one before it, so a reader resuming from a kept event never
 * skips a deleted one. The prefix ends before the first event that is
 * recent, unpublished by the feed (unless `requirePublished: false`), not yet
 * past every worker group's checkpoint, still has a delivery row (a dead
 * letter, a pending retry), or belongs to a transaction that may still be
 * running. The last deleted event's place becomes the log's low-water
 * checkpoint (`createEventStore(db).getLowWater()`): `readAfter` from before
 * it throws CheckpointExpiredError, and an SSE resume from a deleted id gets
 * the reset event. Aggregate versions survive (they live in the stream rows).
 * Works in batches of short statements; returns how many events it deleted.
 *
 * @example
 * setInterval(() => void deleteOldEvents(db, { olderThanMs: 7 * 24 * 3600_000 }), 3600_000);
 */
export async function deleteOldEvents<DB extends EventsDatabase<T>, T extends string = "domain_events">(database: Executor<DB>, options: RetentionOptions<T> = {}): Promise<number> {
  const db: Kysely<any> = database;
  const { olderThanMs, batchSize, requirePublished, signal, tables } = resolveRetentionOptions(options);
  const e = sql.table(tables.events);
  const lowWater = sql.table(lowWaterTableName(tables.events));
  let deleted = 0;
  while (!signal?.aborted) {
    // The first batchSize events in log order, each marked whether it may go; the prefix is the
    // run of deletable ones from the start (a running AND in log order).
    const { rows } = await sql<{ deleted: string | number }>`
      with head as (
        select v.id, v.transaction_id, v.position,
          bool_and(
            v.created_at < now() - ${olderThanMs} * interval '1 millisecond'
            ${requirePublished ? sql`and v.published_at is not null` : sql``}
            and not exists (select 1 from ${sql.table(tables.deliveries)} d where d.event_id = v.id and d.status <> 'skipped')
            and not exists (
              select 1 from ${sql.table(tables.groups)} g
              where (g.transaction_id, g.position) < (v.transaction_id, v.position))
          ) over (order by v.transaction_id, v.position) as in_prefix
        from (
          select * from ${e} where transaction_id < ${commitSafeHorizon()}
          order by transaction_id, position
          limit ${batchSize}
        ) v
      ), gone as (
        delete from ${e} where id in (select id from head where in_prefix)
        returning transaction_id, position
      ), tombstones as (
        delete from ${sql.table(tables.deliveries)} where status = 'skipped' and event_id in (select id from head where in_prefix)
      ), last as (
        select transaction_id, position from gone order by transaction_id desc, position desc limit 1
      ), mark as (
        insert into ${lowWater} as w (singleton, transaction_id, position)
        select true, transaction_id, position from last
        on conflict (singleton) do update set transaction_id = excluded.transaction_id, position = excluded.position, updated_at = now()
          where (w.transaction_id, w.position) < (excluded.transaction_id, excluded.position)
      )
      select count(*) as deleted from gone`.execute(db);
    const count = Number(rows[0]?.deleted ?? 0);
    deleted += count;
    if (count < batchSize) break;
  }
  return deleted;
}
