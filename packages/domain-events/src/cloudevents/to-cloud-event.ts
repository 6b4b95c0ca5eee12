import type { DomainEvent } from "../envelope.js";
import { EventsError } from "../errors.js";
import type { CloudEvent } from "./cloud-event.js";
import type { IntegrationCatalog } from "./integration-catalog.js";

/** Options of {@link toCloudEvent} and {@link fromCloudEvent}. */
export interface CloudEventMapping {
  /** Which domain events are public, with which data and schema version. */
  catalog: IntegrationCatalog;
  /** The CloudEvent `source`: a URI reference naming the producing service, e.g. `/settlement-service`. */
  source: string;
  /**
   * Put before the domain event type to form the CloudEvent `type`, e.g.
   * `"com.example."` gives `com.example.settlement.settled`.
   * @default ""
   */
  typePrefix?: string;
}

const W3C_TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * The CloudEvent 1.0 of a public domain event:
 *
 * | attribute | from |
 * | --- | --- |
 * | `id` | event id |
 * | `source` | `options.source` |
 * | `type` | `typePrefix` + event type |
 * | `subject` | `<aggregateType>/<aggregateId>` |
 * | `time` | `createdAt` (RFC 3339) |
 * | `datacontenttype` | `application/json` |
 * | `dataversion` | the catalog's public schema version |
 * | `tenantid`, `correlationid`, `causationid` | tenant and metadata |
 * | `sequence` (with `sequencetype: "Integer"`) | the aggregate version |
 * | `traceparent`, `tracestate` | W3C trace context stored in the metadata |
 *
 * `data` holds only the fields the catalog makes public. Throws
 * `EventsError("invalid_argument")` for an event type that is not public.
 */
export function toCloudEvent(event: DomainEvent, options: CloudEventMapping): CloudEvent<Record<string, unknown>> {
  const { catalog, source, typePrefix = "" } = options;
  if (typeof source !== "string" || source === "") throw new EventsError("invalid_options", "source must be a non-empty URI reference");
  if (event.aggregateType.includes("/")) throw new EventsError("invalid_argument", `aggregateType "${event.aggregateType}" cannot contain "/" in a CloudEvent subject`);
  const data = catalog.publicData(event.eventType, event.payload);
  const cloudEvent: CloudEvent<Record<string, unknown>> = {
    specversion: "1.0",
    id: event.id,
    source,
    type: `${typePrefix}${event.eventType}`,
    subject: `${event.aggregateType}/${event.aggregateId}`,
    time: event.createdAt.toISOString(),
    datacontenttype: "application/json",
    dataversion: String(catalog.schemaVersion(event.eventType)),
    tenantid: event.tenantId,
    sequence: String(event.aggregateVersion),
    sequencetype: "Integer",
  };
  const { correlationId, causationId, traceparent, tracestate } = event.metadata;
  if (typeof correlationId === "string" && correlationId !== "") cloudEvent.correlationid = correlationId;
  if (typeof causationId === "string" && causationId !== "") cloudEvent.causationid = causationId;
  if (typeof traceparent === "string" && W3C_TRACEPARENT.test(traceparent)) {
    cloudEvent.traceparent = traceparent;
    if (typeof tracestate === "string" && tracestate !== "") cloudEvent.tracestate = tracestate;
  }
  cloudEvent.data = data;
  return cloudEvent;
}
