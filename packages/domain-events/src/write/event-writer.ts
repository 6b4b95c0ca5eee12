import type { Kysely } from "kysely";
import type { EventCatalog, EventTypeIn, PayloadIn, CatalogDefinition } from "../catalog/define-event-catalog.js";
import { ConcurrencyError } from "../errors.js";
import { resolveTableName, type EventsTableOptions } from "../schema/events-table.js";
import { findByIdempotencyKeys, idempotencyLookupKey, insertEvents } from "./insert-events.js";
import type { NewEvent, RecordEventOptions } from "./new-event.js";
import { prepareEvents, type PreparedEvent } from "./prepare-events.js";

/** Options of {@link createEventWriter}. */
export interface EventWriterOptions<D extends CatalogDefinition> extends EventsTableOptions {
  /** The catalog every event is validated against. */
  catalog: EventCatalog<D>;
  /**
   * Largest accepted payload, in bytes of its JSON.
   * @default 65536
   */
  maxPayloadBytes?: number;
}

/** Anything that runs queries: a Kysely instance or a transaction of it. */
export type Executor = Kysely<any>;

/** One event of a batch, typed by the catalog. */
export type CatalogEvent<D extends CatalogDefinition> = {
  [T in EventTypeIn<D>]: NewEvent<T, PayloadIn<D, T>>;
}[EventTypeIn<D>];

/** Writes events into the caller's transaction. */
export interface EventWriter<D extends CatalogDefinition> {
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
  recordEvent<T extends EventTypeIn<D>>(
    tx: Executor,
    aggregateType: string,
    aggregateId: string,
    eventType: T,
    payload: PayloadIn<D, T>,
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
  recordEvents(tx: Executor, events: readonly CatalogEvent<D>[]): Promise<string[]>;
}

const UNIQUE_VIOLATION = "23505";

/**
 * Creates a writer bound to a catalog and a table.
 *
 * @example
 * const writer = createEventWriter({ catalog: myCatalog, tableName: "domain_events" });
 * const id = await writer.recordEvent(tx, "order", "ord_1", "order.placed", { orderId: "ord_1", total: "9.90" });
 */
export function createEventWriter<D extends CatalogDefinition>(options: EventWriterOptions<D>): EventWriter<D> {
  const table = resolveTableName(options);
  const { maxPayloadBytes = 65_536 } = options;
  const catalog = options.catalog as unknown as EventCatalog;
  if (!Number.isSafeInteger(maxPayloadBytes) || maxPayloadBytes <= 0) {
    throw new TypeError("maxPayloadBytes must be a positive integer");
  }

  async function write(tx: Executor, prepared: PreparedEvent[]): Promise<string[]> {
    let inserted: Set<string>;
    try {
      inserted = await insertEvents(tx, table, prepared);
    } catch (error) {
      if (isVersionConflict(error, table)) {
        const detail = String((error as { detail?: unknown }).detail ?? "");
        const conflict = prepared.find((e) => detail.includes(`(${e.aggregateType}, ${e.aggregateId},`)) ?? prepared[0]!;
        throw new ConcurrencyError({ ...conflict, expectedVersion: conflict.expectedVersion ?? undefined }, { cause: error });
      }
      throw error;
    }
    if (inserted.size === prepared.length) return prepared.map((event) => event.id);

    const skipped = prepared.filter((event) => !inserted.has(event.id));
    const replayed = await findByIdempotencyKeys(
      tx,
      table,
      skipped.flatMap((e) => (e.idempotencyKey === null ? [] : [{ tenantId: e.tenantId, idempotencyKey: e.idempotencyKey }])),
    );
    return prepared.map((event) => {
      if (inserted.has(event.id)) return event.id;
      const firstId = event.idempotencyKey === null ? undefined : replayed.get(idempotencyLookupKey(event.tenantId, event.idempotencyKey));
      if (firstId === undefined) {
        throw new ConcurrencyError({ ...event, expectedVersion: event.expectedVersion ?? undefined });
      }
      return firstId;
    });
  }

  return {
    async recordEvent(tx, aggregateType, aggregateId, eventType, payload, eventOptions) {
      const event = { ...eventOptions, aggregateType, aggregateId, eventType, payload } as NewEvent;
      const [id] = await write(tx, prepareEvents([event], catalog, maxPayloadBytes, () => ""));
      return id!;
    },
    async recordEvents(tx, events) {
      if (!Array.isArray(events)) throw new TypeError("recordEvents expects an array of events");
      if (events.length === 0) return [];
      return write(tx, prepareEvents(events, catalog, maxPayloadBytes, (i) => `events[${i}].`));
    },
  };
}

function isVersionConflict(error: unknown, table: string): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, constraint, message } = error as { code?: string; constraint?: string; message?: string };
  const index = `${table}_aggregate_version_key`;
  return code === UNIQUE_VIOLATION && (constraint === index || (message ?? "").includes(index));
}
