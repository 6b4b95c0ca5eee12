import { EventsError } from "../errors.js";
import { assertCloudEvent } from "./cloud-event.js";
import type { CloudEventMapping } from "./to-cloud-event.js";

/** A public event read back from a CloudEvent: the domain envelope's public part. */
export interface IntegrationEvent {
  id: string;
  source: string;
  /** The domain event type (`typePrefix` removed). */
  eventType: string;
  /** The public schema version the data follows. */
  schemaVersion: number;
  tenantId: string;
  aggregateType: string;
  aggregateId: string;
  aggregateVersion: number;
  createdAt: Date;
  /** The public data, validated by the catalog entry. */
  data: Record<string, unknown>;
  metadata: { correlationId?: string; causationId?: string; traceparent?: string; tracestate?: string };
}

const invalid = (message: string) => new EventsError("invalid_argument", `cloudevent: ${message}`);

/**
 * Reads a CloudEvent written by {@link toCloudEvent} back: checks the
 * attributes, that the type is public in `catalog` under the same schema
 * version, and validates `data`. Throws `EventsError("invalid_argument")`
 * (or ValidationError for the data); returns a new object, never the input.
 */
export function fromCloudEvent(value: unknown, options: Omit<CloudEventMapping, "source"> & { source?: string }): IntegrationEvent {
  const cloudEvent = assertCloudEvent(value);
  const prefix = options.typePrefix ?? "";
  if (!cloudEvent.type.startsWith(prefix)) throw invalid(`type "${cloudEvent.type}" does not start with "${prefix}"`);
  if (options.source !== undefined && cloudEvent.source !== options.source) throw invalid(`source "${cloudEvent.source}" is not "${options.source}"`);
  const eventType = cloudEvent.type.slice(prefix.length);
  if (!options.catalog.isPublic(eventType)) throw invalid(`type "${eventType}" is not a public event type`);
  const schemaVersion = Number(cloudEvent.dataversion);
  if (schemaVersion !== options.catalog.schemaVersion(eventType)) {
    throw invalid(`dataversion ${String(cloudEvent.dataversion)} of "${eventType}" is not the catalog's ${options.catalog.schemaVersion(eventType)}`);
  }
  const slash = cloudEvent.subject?.indexOf("/") ?? -1;
  if (slash <= 0 || slash === cloudEvent.subject!.length - 1) throw invalid(`subject must be "<aggregateType>/<aggregateId>" (got ${JSON.stringify(cloudEvent.subject)})`);
  const sequence = String(cloudEvent.sequence);
  if (!/^[1-9]\d{0,9}$/.test(sequence)) throw invalid(`sequence must be a positive integer string (got ${JSON.stringify(cloudEvent.sequence)})`);
  if (typeof cloudEvent.tenantid !== "string" || cloudEvent.tenantid === "") throw invalid("tenantid must be a non-empty string");
  if (cloudEvent.time === undefined) throw invalid("time is required");
  const metadata: IntegrationEvent["metadata"] = {};
  for (const [attribute, key] of [["correlationid", "correlationId"], ["causationid", "causationId"], ["traceparent", "traceparent"], ["tracestate", "tracestate"]] as const) {
    if (typeof cloudEvent[attribute] === "string") metadata[key] = cloudEvent[attribute] as string;
  }
  return {
    id: cloudEvent.id,
    source: cloudEvent.source,
    eventType,
    schemaVersion,
    tenantId: cloudEvent.tenantid,
    aggregateType: cloudEvent.subject!.slice(0, slash),
    aggregateId: cloudEvent.subject!.slice(slash + 1),
    aggregateVersion: Number(sequence),
    createdAt: new Date(cloudEvent.time),
    data: options.catalog.publicData(eventType, cloudEvent.data),
    metadata,
  };
}
