export type { DomainEvent, EventMetadata, Checkpoint } from "./envelope.js";
export { DEFAULT_TENANT } from "./envelope.js";
export { generateId, newEventId } from "./ids.js";
export { EventsError, ValidationError, UnknownEventTypeError, ConcurrencyError, CheckpointExpiredError, isEventsError } from "./errors.js";
export type { EventsErrorCode } from "./errors.js";

export { defineEventCatalog } from "./catalog/define-event-catalog.js";
export type {
  CatalogDefinition,
  CatalogEntry,
  EventCatalog,
  EventTypeIn,
  EventTypeOf,
  PayloadIn,
  PayloadOf,
} from "./catalog/define-event-catalog.js";
export { platformCatalog, SETTLEMENT_STATUSES } from "./catalog/platform-catalog.js";
export type { PlatformCatalog } from "./catalog/platform-catalog.js";
export { snakeCaseKey, toWirePayload } from "./catalog/wire-payload.js";
export type { SnakeCase, WireEvents, WirePayload } from "./catalog/wire-payload.js";

export { createEventWriter } from "./write/event-writer.js";
export type { EventWriter, EventWriterOptions, CatalogEvent } from "./write/event-writer.js";
export { recordEvent, recordEvents, recordWithState } from "./write/record-event.js";
export type { NewEvent, RecordEventOptions } from "./write/new-event.js";

export { createEventStore } from "./read/postgres-event-store.js";
export type { EventStore, LogFilter, LogPage, ReadAfterOptions } from "./read/event-store.js";
export { toDomainEvent } from "./read/event-row.js";
export type { EventRow } from "./read/event-row.js";
export { commitSafeHorizon } from "./read/commit-horizon.js";
export { eventTypeCondition, typePatternParts } from "./read/event-type-condition.js";
export { matchesEventType, assertEventTypePattern } from "./read/type-pattern.js";

export type { EventBus, EventHandler } from "./bus/event-bus.js";
export { InMemoryEventBus } from "./bus/in-memory-event-bus.js";

export { defineProjection } from "./fold/projection.js";
export type { Projection, ProjectionHandlers } from "./fold/projection.js";
export { reconstruct } from "./fold/reconstruct.js";
export type { Reconstruction } from "./fold/reconstruct.js";

export { migrate, runMigrations } from "./schema/migrate.js";
export { lowWaterTableName, streamsTableName } from "./schema/migrations.js";
export { DEFAULT_EVENTS_TABLE, resolveTableName } from "./schema/events-table.js";
export type { EventsDatabase, EventsTable, EventsTableOptions, Executor } from "./schema/events-table.js";

export type { CloudEvent, CloudEventMapping, IntegrationCatalog, IntegrationEntry, IntegrationEvent, CloudEventHttpMessage, HttpHeadersLike } from "./cloudevents/index.js";
export { assertCloudEvent, defineIntegrationCatalog, toCloudEvent, fromCloudEvent, CLOUDEVENTS_JSON, fromHttp, toBinaryHttp, toStructuredHttp } from "./cloudevents/index.js";
