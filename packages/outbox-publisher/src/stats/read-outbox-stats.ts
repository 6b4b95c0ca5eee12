import type { EventsDatabase, Executor } from "@org/events";
import { sql, type Kysely } from "kysely";
import { OutboxError } from "../errors.js";
import { FEED_GROUP, resolveTables, type OutboxTableOptions } from "../tables.js";

/** The outbox as the database sees it (any process can read it). */
export interface OutboxStats {
  /** Events the ordered feed has not published yet (dead letters excluded). */
  backlog: number;
  /** Age of the oldest of them, in ms (database clock); null when none. */
  oldestUnpublishedAgeMs: number | null;
  /** Dead letters of the ordered feed. */
  feedDeadLetters: number;
  /** Per worker group: events queued (pending or backing off), dead letters. */
  groups: { group: string; pending: number; deadLetters: number }[];
  /**
   * Open transactions that hold every commit-safe reader back: exactly
   * those `commitSafeHorizon()` counts (running transactions with an id,
   * prepared transactions, and any this role cannot place in another
   * database through pg_stat_activity).
   */
  openTransactionsHoldingReaders: number;
  /**
   * Age of the oldest of them whose start is known (its session is visible
   * to this role, or it is prepared), in ms; null when none is known.
   */
  oldestOpenTransactionAgeMs: number | null;
}

/** Options of {@link readOutboxStats}. */
export interface OutboxStatsOptions<T extends string = string> extends OutboxTableOptions<T> {
  /**
   * Count one tenant's events only (backlog, oldest age, dead letters,
   * queued deliveries); the open transactions are the database's either way.
   * @default every tenant
   */
  tenantId?: string;
}

/**
 * Reads backlog, the oldest unpublished age, dead letters and the oldest
 * open transaction (which delays every commit-safe reader). Counts scan the
 * partial index of unpublished events: cheap while the backlog is small.
 *
 * @example
 * const { backlog, oldestUnpublishedAgeMs } = await readOutboxStats(db);
 */
export async function readOutboxStats<DB extends EventsDatabase<T>, T extends string = "domain_events">(database: Executor<DB>, options?: OutboxStatsOptions<T>): Promise<OutboxStats> {
  const db: Kysely<any> = database;
  const tables = resolveTables(options);
  const tenantId = options?.tenantId;
  if (tenantId !== undefined && typeof tenantId !== "string") throw new OutboxError("invalid_options", "tenantId must be a string");
  const ofTenant = (alias: string) => (tenantId === undefined ? sql`true` : sql`${sql.ref(`${alias}.tenant_id`)} = ${tenantId}`);
  const feed = await sql<{ backlog: string | number; oldest_ms: string | number | null }>`
    select count(*) as backlog,
      extract(epoch from now() - min(e.created_at)) * 1000 as oldest_ms
    from ${sql.table(tables.events)} e
    where e.published_at is null and ${ofTenant("e")}
      and not exists (select 1 from ${sql.table(tables.deliveries)} d
        where d.group_name = ${FEED_GROUP} and d.event_id = e.id and d.status = 'dead')`.execute(db);
  const groups = await sql<{ group_name: string; pending: string | number; dead: string | number }>`
    select g.group_name,
      (select count(*) from ${sql.table(tables.deliveries)} d where d.group_name = g.group_name and d.status = 'pending' and ${ofTenant("d")}) as pending,
      (select count(*) from ${sql.table(tables.deliveries)} d where d.group_name = g.group_name and d.status = 'dead' and ${ofTenant("d")}) as dead
    from (select group_name from ${sql.table(tables.groups)} union select ${FEED_GROUP}) g
    order by g.group_name`.execute(db);
  // The horizon's own set: the snapshot's running transactions, less those placed in another database.
  const holders = await sql<{ holding: string | number; open_ms: string | number | null }>`
    select count(*) as holding, extract(epoch from now() - min(coalesce(a.xact_start, p.prepared))) * 1000 as open_ms
    from pg_snapshot_xip(pg_current_snapshot()) as running(xid)
    left join pg_stat_get_activity(null) a on a.backend_xid = running.xid::xid
    left join pg_prepared_xacts p on p.transaction = running.xid::xid
    where a.pid is null or a.datid = (select oid from pg_database where datname = current_database())`.execute(db);
  const row = feed.rows[0]!;
  const holding = holders.rows[0]!;
  const toMs = (value: string | number | null) => (value === null ? null : Math.max(0, Math.round(Number(value))));
  return {
    backlog: Number(row.backlog),
    oldestUnpublishedAgeMs: toMs(row.oldest_ms),
    feedDeadLetters: Number(groups.rows.find((g) => g.group_name === FEED_GROUP)?.dead ?? 0),
    groups: groups.rows
      .filter((g) => g.group_name !== FEED_GROUP)
      .map((g) => ({ group: g.group_name, pending: Number(g.pending), deadLetters: Number(g.dead) })),
    openTransactionsHoldingReaders: Number(holding.holding),
    oldestOpenTransactionAgeMs: toMs(holding.open_ms),
  };
}
