import type { EventCatalog, EventTypeIn, PayloadIn, CatalogDefinition } from "../catalog/define-event-catalog.js";
import { ConcurrencyError, EventsError, ValidationError } from "../errors.js";
import { resolveTableName, type EventsDatabase, type EventsTableOptions, type Executor } from "../schema/events-table.js";
import { VERSION_CONFLICT_SQLSTATE } from "../schema/migrations.js";
import { sql, type Compilable, type OperationNodeSource } from "kysely";
import { conditionalInsert, findByIdempotencyKeys, idempotencyLookupKey, insertEvents } from "./insert-events.js";
import type { NewEvent, RecordEventOptions } from "./new-event.js";
import { prepareEvents, type PreparedEvent } from "./prepare-events.js";

/** Options of {@link createEventWriter}. */
export interface EventWriterOptions<D extends CatalogDefinition, T extends string = string> extends EventsTableOptions<T> {
  /** The catalog every event is validated against. */
  catalog: EventCatalog<D>;
  /**
   * Largest accepted payload, in bytes of its JSON.
   * @default 65536
   */
  maxPayloadBytes?: number;
}


/** One event of a batch, typed by the catalog. */
export type CatalogEvent<D extends CatalogDefinition> = {
  [T in EventTypeIn<D>]: NewEvent<T, PayloadIn<D, T>>;
}[EventTypeIn<D>];

/** Writes events into the caller's transaction. */
export interface EventWriter<D extends CatalogDefinition, T extends string = "domain_events"> {
  /**
   * Validates one event and inserts it with the caller's executor (pass the
   * transaction of the state change: the event commits or rolls back with it).
   * Returns the event id, or the first id when the idempotency key was used
   * before. Throws ValidationError / UnknownEventTypeError before any SQL,
   * ConcurrencyError when another writer appended to the aggregate first.
   *
   * @example
   * await db.transaction().execute(async (tx) => {
   *   await tx.updateTable("settlements").set({ status: "confirmed" }).where("id", "=", id).execute();
   *   await writer.recordEvent(tx, "settlement", id, "settlement.status_changed", {
   *     settlementId: id, fromStatus: "confirming", toStatus: "confirmed", network: "polygon",
   *   });
   * });
   */
  recordEvent<E extends EventTypeIn<D>, DB extends EventsDatabase<T>>(
    tx: Executor<DB>,
    aggregateType: string,
    aggregateId: string,
    eventType: E,
    payload: PayloadIn<D, E>,
    options?: RecordEventOptions,
  ): Promise<string>;
  /**
   * Writes many events in one statement, all or none; returns their ids in
   * input order. Events of one aggregate take consecutive versions.
   *
   * @example
   * const [a, b] = await writer.recordEvents(tx, [
   *   { aggregateType: "payment", aggregateId: "pay_1", eventType: "payment.created", payload },
   *   { aggregateType: "payment", aggregateId: "pay_1", eventType: "payment.status_changed", payload: changed },
   * ]);
   */
  recordEvents<DB extends EventsDatabase<T>>(tx: Executor<DB>, events: readonly CatalogEvent<D>[]): Promise<string[]>;
  /**
   * Writes a state change and its events in one statement: the caller's
   * INSERT, UPDATE or DELETE with RETURNING, and the events, which are
   * inserted only when it returns a row (so an `ON CONFLICT DO NOTHING`
   * that skips the state skips the events too). One statement is atomic on
   * its own: no explicit transaction and one round trip instead of four.
   * Pass a transaction to make it part of a larger one. Events are
   * validated before any SQL, as by recordEvents. They take no
   * idempotency key (a skipped event would leave the state without it):
   * dedupe on the state, as the example does.
   * Returns the state's rows and the event ids (none when no row came back).
   *
   * @example
   * const { rows: [order], eventIds } = await writer.recordWithState(
   *   db,
   *   db.insertInto("orders").values({ id, total, request_key: key }).onConflict((c) => c.column("request_key").doNothing()).returningAll(),
   *   [{ aggregateType: "order", aggregateId: id, eventType: "order.placed", payload: { orderId: id, total } }],
   * );
   * if (!order) { ... the request was seen before: read the first order ... }
   */
  recordWithState<R, DB extends EventsDatabase<T>>(
    db: Executor<DB>,
    state: Compilable<R> & OperationNodeSource,
    events: readonly CatalogEvent<D>[],
  ): Promise<{ rows: R[]; eventIds: string[] }>;
}

const UNIQUE_VIOLATION = "23505";

/** {@link EventWriterOptions} with the default merged and every value checked. */
export interface ResolvedEventWriterOptions {
  table: string;
  catalog: EventCatalog;
  maxPayloadBytes: number;
}

/**
 * Merges the defaults of {@link EventWriterOptions} once and throws
 * `EventsError("invalid_options")` for a bad table name, a missing catalog
 * or a payload limit that is not a positive integer.
 *
 * @example
 * resolveEventWriterOptions({ catalog, maxPayloadBytes: 0 }); // throws
 */
export function resolveEventWriterOptions<D extends CatalogDefinition>(options: EventWriterOptions<D>): ResolvedEventWriterOptions {
  const table = resolveTableName(options);
  const maxPayloadBytes = options.maxPayloadBytes ?? 65_536;
  if (!Number.isSafeInteger(maxPayloadBytes) || maxPayloadBytes <= 0) {
    throw new EventsError("invalid_options", `maxPayloadBytes must be a positive integer (got ${String(maxPayloadBytes)})`);
  }
  const catalog = options.catalog as unknown as EventCatalog | undefined;
  if (typeof catalog?.parse !== "function") throw new EventsError("invalid_options", "catalog must be made by defineEventCatalog");
  return { table, catalog, maxPayloadBytes };
}

/**
 * Creates a writer bound to a catalog and a table.
 *
 * @example
 * const writer = createEventWriter({ catalog: myCatalog, tableName: "domain_events" });
 * const id = await writer.recordEvent(tx, "order", "ord_1", "order.placed", { orderId: "ord_1", total: "9.90" });
 */
export function createEventWriter<D extends CatalogDefinition, T extends string = "domain_events">(options: EventWriterOptions<D, T>): EventWriter<D, T> {
  const { table, catalog, maxPayloadBytes } = resolveEventWriterOptions(options);

  async function write(tx: Executor, prepared: PreparedEvent[]): Promise<string[]> {
    let inserted: Set<string>;
    try {
      inserted = await insertEvents(tx, table, prepared);
    } catch (error) {
      throw toWriteError(error, prepared);
    }
    if (inserted.size === prepared.length) return prepared.map((event) => event.id);

    // A skipped row met its idempotency key (answer with the first event's
    // id) or lost its version to another writer.
    const replayed = await findByIdempotencyKeys(
      tx,
      table,
      prepared.flatMap((e) => (inserted.has(e.id) || e.idempotencyKey === null ? [] : [{ tenantId: e.tenantId, idempotencyKey: e.idempotencyKey }])),
    );
    return prepared.map((event) => {
      if (inserted.has(event.id)) return event.id;
      const firstId = event.idempotencyKey === null ? undefined : replayed.get(idempotencyLookupKey(event.tenantId, event.idempotencyKey));
      if (firstId === undefined) throw new ConcurrencyError({ ...event, expectedVersion: event.expectedVersion ?? undefined });
      return firstId;
    });
  }

  function toWriteError(error: unknown, prepared: readonly PreparedEvent[]): unknown {
    const conflict = versionConflictIn(error, table, prepared);
    return conflict ? new ConcurrencyError({ ...conflict, expectedVersion: conflict.expectedVersion ?? undefined }, { cause: error }) : error;
  }

  return {
    async recordEvent(tx, aggregateType, aggregateId, eventType, payload, eventOptions) {
      const event = { ...eventOptions, aggregateType, aggregateId, eventType, payload } as NewEvent;
      const [id] = await write(tx, prepareEvents([event], catalog, maxPayloadBytes, () => ""));
      return id!;
    },
    async recordEvents(tx, events) {
      if (!Array.isArray(events)) throw new ValidationError("events", "must be an array of events");
      if (events.length === 0) return [];
      return write(tx, prepareEvents(events, catalog, maxPayloadBytes, (i) => `events[${i}].`));
    },
    async recordWithState<R>(db: Executor, state: Compilable<R> & OperationNodeSource, events: readonly CatalogEvent<D>[]) {
      if (!Array.isArray(events) || events.length === 0) throw new ValidationError("events", "must be a non-empty array of events");
      if (!returnsRows(state)) throw new EventsError("invalid_argument", "the state statement must be an INSERT, UPDATE or DELETE with RETURNING");
      const prepared = prepareEvents(events, catalog, maxPayloadBytes, (i) => `events[${i}].`);
      const keyed = prepared.findIndex((event) => event.idempotencyKey !== null);
      if (keyed !== -1) throw new ValidationError(`events[${keyed}].idempotencyKey`, "is not taken here: dedupe on the state (e.g. ON CONFLICT DO NOTHING on a request key)");
      const statement = sql<R>`with written_state as (${state}), written_events as (${conditionalInsert(table, prepared, sql`exists (select from written_state)`)}) select * from written_state`;
      try {
        const { rows } = await statement.execute(db);
        return { rows, eventIds: rows.length > 0 ? prepared.map((event) => event.id) : [] };
      } catch (error) {
        throw toWriteError(error, prepared);
      }
    },
  };
}

/**
 * The event whose version lost a race: a unique violation of the version
 * index (two writers appended the same version), or the trigger's check of
 * an explicit expectedVersion.
 */
function versionConflictIn(error: unknown, table: string, prepared: readonly PreparedEvent[]): PreparedEvent | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code, constraint, detail = "", message = "" } = error as { code?: string; constraint?: string; detail?: string; message?: string };
  const raceLost = code === UNIQUE_VIOLATION && (constraint ?? message).includes(`${table}_stream_version_key`);
  if (!raceLost && code !== VERSION_CONFLICT_SQLSTATE) return undefined;
  const text = `${detail} ${message}`;
  return (
    prepared.find(
      (e) =>
        text.includes(`(${e.tenantId}, ${e.aggregateType}, ${e.aggregateId},`) ||
        text.includes(`aggregate ${e.aggregateType} ${e.aggregateId} of tenant ${e.tenantId} `),
    ) ?? prepared[0]
  );
}

/** An INSERT, UPDATE or DELETE with a RETURNING clause (the events need its rows to know whether to follow). */
function returnsRows(state: unknown): boolean {
  const node = typeof (state as OperationNodeSource | null)?.toOperationNode === "function" ? (state as OperationNodeSource).toOperationNode() : undefined;
  if (node === undefined || !["InsertQueryNode", "UpdateQueryNode", "DeleteQueryNode"].includes(node.kind)) return false;
  return (node as { returning?: unknown }).returning !== undefined;
}
