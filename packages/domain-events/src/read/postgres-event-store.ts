import { sql, type Expression, type Kysely, type SqlBool } from "kysely";
import type { Checkpoint } from "../envelope.js";
import { CheckpointExpiredError, ValidationError } from "../errors.js";
import { lowWaterTableName } from "../schema/migrations.js";
import { resolveTableName, type EventsDatabase, type EventsTableOptions, type Executor } from "../schema/events-table.js";
import { toDomainEvent, type EventRow } from "./event-row.js";
import type { EventStore, LogFilter } from "./event-store.js";
import { commitSafeHorizon } from "./commit-horizon.js";
import { eventTypeCondition } from "./event-type-condition.js";

const DEFAULT_LIMIT = 1000;

/** Rows of transactions that ended before every transaction still running here. */
const committedBeforeEveryOpenTransaction = sql<SqlBool>`transaction_id < ${commitSafeHorizon()}`;

function after(checkpoint: Checkpoint): Expression<SqlBool> {
  return sql<SqlBool>`(transaction_id, position) > (${checkpoint.transactionId}::xid8, ${checkpoint.position}::bigint)`;
}

/** Negative when `a` comes first in the commit-safe order. */
function compareCheckpoints(a: Checkpoint, b: Checkpoint): number {
  const [x, y] = [BigInt(a.transactionId), BigInt(b.transactionId)];
  return x === y ? a.position - b.position : x < y ? -1 : 1;
}

function upTo(checkpoint: Checkpoint): Expression<SqlBool> {
  return sql<SqlBool>`(transaction_id, position) <= (${checkpoint.transactionId}::xid8, ${checkpoint.position}::bigint)`;
}

function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new ValidationError("limit", "must be a positive integer");
  return limit;
}

function checkCheckpoint(checkpoint: Checkpoint | null | undefined, field: string): void {
  if (checkpoint == null) return;
  if (!/^\d+$/.test(checkpoint.transactionId) || !Number.isSafeInteger(checkpoint.position)) {
    throw new ValidationError(field, "must be a checkpoint { transactionId: decimal string, position: integer }");
  }
}

/**
 * The event store on the events table, for PostgreSQL and PGlite.
 *
 * @example
 * const store = createEventStore(db);
 * let checkpoint = null;
 * for (;;) {
 *   const page = await store.readAfter(checkpoint, { types: ["settlement.*"], tenantId: "acme" });
 *   if (page.events.length === 0) break;
 *   page.events.forEach(handle);
 *   checkpoint = page.checkpoint;
 * }
 */
export function createEventStore<DB extends EventsDatabase<T>, T extends string = "domain_events">(
  database: Executor<DB>,
  options?: EventsTableOptions<T>,
): EventStore {
  const db: Kysely<any> = database;
  const table = resolveTableName(options);
  const lowWater = lowWaterTableName(table);
  const events = () => db.selectFrom(table).selectAll();

  const filtered = (filter: LogFilter) => {
    let query = events();
    if (filter.tenantId !== undefined) query = query.where("tenant_id", "=", filter.tenantId);
    if (filter.types && filter.types.length > 0) query = query.where(eventTypeCondition(filter.types));
    if (filter.aggregateIds && filter.aggregateIds.length > 0) query = query.where("aggregate_id", "in", [...filter.aggregateIds]);
    if (filter.from !== undefined) query = query.where("created_at", ">=", filter.from);
    if (filter.to !== undefined) query = query.where("created_at", "<", filter.to);
    return query;
  };

  return {
    async getEvent(id) {
      const row = await events().where("id", "=", id).executeTakeFirst();
      return row ? toDomainEvent(row as EventRow) : undefined;
    },

    async getAggregateEvents(aggregateType, aggregateId, { afterVersion = 0, tenantId } = {}) {
      let query = events()
        .where("aggregate_type", "=", aggregateType)
        .where("aggregate_id", "=", aggregateId)
        .where("aggregate_version", ">", afterVersion);
      if (tenantId !== undefined) query = query.where("tenant_id", "=", tenantId);
      const rows = await query.orderBy("aggregate_version").execute();
      return rows.map((row) => toDomainEvent(row as EventRow));
    },

    async getEventsByType(eventType, { tenantId, after: checkpoint = null, limit = DEFAULT_LIMIT } = {}) {
      const page = await this.readAfter(checkpoint, { tenantId, types: [eventType], limit });
      return page.events;
    },

    async readAfter(checkpoint, { until, limit = DEFAULT_LIMIT, ...filter } = {}) {
      checkCheckpoint(checkpoint, "checkpoint");
      checkCheckpoint(until, "until");

      let page = filtered(filter).where(committedBeforeEveryOpenTransaction);
      if (checkpoint) page = page.where(after(checkpoint));
      if (until) page = page.where(upTo(until));
      page = page.orderBy("transaction_id").orderBy("position").limit(checkLimit(limit));
      // The page and the log's low-water checkpoint in one statement, so in one snapshot: retention that
      // committed before it shows in both, and one after it deleted nothing the page missed. One row at
      // least: with an empty page, a row of nulls that carries the low water. The low water comes from
      // scalar subqueries (one row at most), not a join: the planner's guess for the small table
      // multiplied the page's and, past jit_above_cost, made every read pay ~20 ms of JIT compilation.
      const { rows } = await sql<EventRow & { low_water_transaction_id: string | null; low_water_position: string | number | null }>`
        select (select transaction_id::text from ${sql.table(lowWater)}) as low_water_transaction_id,
               (select position from ${sql.table(lowWater)}) as low_water_position, page.*
        from (select) as one
        left join lateral (${page}) as page on true
        order by page.transaction_id, page.position`.execute(db);
      const first = rows[0];
      if (checkpoint && first?.low_water_transaction_id != null) {
        const lowWaterMark = { transactionId: first.low_water_transaction_id, position: Number(first.low_water_position) };
        if (compareCheckpoints(checkpoint, lowWaterMark) < 0) throw new CheckpointExpiredError(lowWaterMark);
      }
      const events = rows.filter((row) => row.id !== null).map((row) => toDomainEvent(row));
      const last = events.at(-1);
      return { events, checkpoint: last ? { transactionId: last.transactionId, position: last.position } : checkpoint };
    },

    async getLowWater() {
      const row = await db.selectFrom(lowWater).select(["transaction_id", "position"]).executeTakeFirst();
      return row ? { transactionId: String(row.transaction_id), position: Number(row.position) } : null;
    },
    async getCheckpoint(eventId, { tenantId } = {}) {
      let query = db.selectFrom(table).select(["transaction_id", "position"]).where("id", "=", eventId);
      if (tenantId !== undefined) query = query.where("tenant_id", "=", tenantId);
      const row = await query.executeTakeFirst();
      return row ? { transactionId: String(row.transaction_id), position: Number(row.position) } : undefined;
    },
  };
}
