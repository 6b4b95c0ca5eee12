import type { EventsDatabase, Executor } from "@org/events";
import { toDomainEvent, type DomainEvent, type EventRow } from "@org/events";
import { sql, type Kysely } from "kysely";
import { checkInteger, OutboxError } from "./errors.js";
import { FEED_GROUP, resolveTables, type OutboxTableOptions } from "./tables.js";

/** An event a group (or the feed, group `"$feed"`) gave up on. */
export interface DeadLetter {
  group: string;
  event: DomainEvent;
  attempts: number;
  lastError: string | null;
  lastAttemptAt: Date | null;
  deadLetteredAt: Date;
}

/** Filters and paging of {@link DeadLetterQueue.list}. */
export interface DeadLetterFilter {
  /** One group, or `"$feed"`; all when omitted. */
  group?: string;
  tenantId?: string;
  eventType?: string;
  aggregateType?: string;
  aggregateId?: string;
  /**
   * Most items per page.
   * @default 100
   */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

/** Operator access to dead letters. */
export interface DeadLetterQueue {
  /** Dead letters oldest first, filtered, a page at a time. */
  list(filter?: DeadLetterFilter): Promise<{ items: DeadLetter[]; nextCursor: string | null }>;
  /** One dead letter with its event, attempts and last error; undefined if none. */
  get(group: string, eventId: string): Promise<DeadLetter | undefined>;
  /** Schedules it again now with attempts reset to 0. Throws `not_found`. */
  requeue(group: string, eventId: string): Promise<void>;
  /**
   * Gives up on it for good. Throws `not_found`. For the feed, the event is marked published and kept as
   * skipped (see `skippedByFeed`), so that replays leave it out as live consumers did.
   */
  discard(group: string, eventId: string): Promise<void>;
}

type Row = EventRow & { cursor_us: string; group_name: string; attempts: number; last_error: string | null; last_attempt_at: Date | string | null; dead_lettered_at: Date | string };

const toDeadLetter = (row: Row): DeadLetter => ({
  group: row.group_name,
  event: toDomainEvent(row),
  attempts: Number(row.attempts),
  lastError: row.last_error,
  lastAttemptAt: row.last_attempt_at === null ? null : new Date(row.last_attempt_at),
  deadLetteredAt: new Date(row.dead_lettered_at),
});

/**
 * The dead letters of every group and of the ordered feed. A worker group's
 * dead letter holds back the later events of its aggregate until it is
 * requeued or discarded.
 *
 * @example
 * const dlq = createDeadLetterQueue(db);
 * const { items } = await dlq.list({ group: "webhooks" });
 * await dlq.requeue("webhooks", items[0].event.id);
 */
export function createDeadLetterQueue<DB extends EventsDatabase<T>, T extends string = "domain_events">(database: Executor<DB>, options?: OutboxTableOptions<T>): DeadLetterQueue {
  const db: Kysely<any> = database;
  const tables = resolveTables(options);
  const d = sql.table(tables.deliveries);
  const select = sql`
    select e.*, d.group_name, d.attempts, d.last_error, d.last_attempt_at, d.dead_lettered_at,
      (extract(epoch from d.dead_lettered_at) * 1000000)::bigint::text as cursor_us
    from ${d} d join ${sql.table(tables.events)} e on e.id = d.event_id
    where d.status = 'dead'`;
  const notFound = (group: string, eventId: string) => new OutboxError("not_found", `no dead letter ${eventId} in group ${group}`);

  return {
    async list(filter = {}) {
      const limit = checkInteger("limit", filter.limit ?? 100, 1, 1000);
      const conditions = [sql`true`];
      if (filter.group !== undefined) conditions.push(sql`d.group_name = ${filter.group}`);
      if (filter.tenantId !== undefined) conditions.push(sql`e.tenant_id = ${filter.tenantId}`);
      if (filter.eventType !== undefined) conditions.push(sql`e.event_type = ${filter.eventType}`);
      if (filter.aggregateType !== undefined) conditions.push(sql`e.aggregate_type = ${filter.aggregateType}`);
      if (filter.aggregateId !== undefined) conditions.push(sql`e.aggregate_id = ${filter.aggregateId}`);
      if (filter.cursor !== undefined) {
        const [us, group, id] = JSON.parse(Buffer.from(filter.cursor, "base64url").toString()) as [string, string, string];
        // microseconds since the epoch, exact: a JavaScript Date would cut them to milliseconds
        conditions.push(sql`((extract(epoch from d.dead_lettered_at) * 1000000)::bigint, d.group_name, d.event_id) > (${us}::bigint, ${group}, ${id})`);
      }
      const { rows } = await sql<Row>`${select} and ${sql.join(conditions, sql` and `)}
        order by d.dead_lettered_at, d.group_name, d.event_id limit ${limit + 1}`.execute(db);
      const items = rows.slice(0, limit).map(toDeadLetter);
      const last = rows.length > limit ? rows[limit - 1]! : undefined;
      const nextCursor = last
        ? Buffer.from(JSON.stringify([last.cursor_us, last.group_name, last.id])).toString("base64url")
        : null;
      return { items, nextCursor };
    },

    async get(group, eventId) {
      const { rows } = await sql<Row>`${select} and d.group_name = ${group} and d.event_id = ${eventId}`.execute(db);
      return rows[0] ? toDeadLetter(rows[0]) : undefined;
    },

    async requeue(group, eventId) {
      const result = await sql`
        update ${d} set status = 'pending', attempts = 0, next_attempt_at = now(), dead_lettered_at = null,
          locked_until = null, locked_by = null
        where group_name = ${group} and event_id = ${eventId} and status = 'dead'`.execute(db);
      if (Number(result.numAffectedRows ?? 0) === 0) throw notFound(group, eventId);
    },

    async discard(group, eventId) {
      const deleted = sql`delete from ${d} where group_name = ${group} and event_id = ${eventId} and status = 'dead' returning event_id`;
      // The feed's stays as a 'skipped' row: replays leave the event out, as live consumers never got it (skippedByFeed).
      const skipped = sql`update ${d} set status = 'skipped', locked_until = null, locked_by = null
        where group_name = ${group} and event_id = ${eventId} and status = 'dead' returning event_id`;
      const result =
        group === FEED_GROUP
          ? await sql`with gone as (${skipped})
              update ${sql.table(tables.events)} set published_at = now() where id in (select event_id from gone) returning id`.execute(db)
          : await deleted.execute(db);
      if (result.rows.length === 0) throw notFound(group, eventId);
    },
  };
}
