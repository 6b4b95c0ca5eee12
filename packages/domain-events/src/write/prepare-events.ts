import { DEFAULT_TENANT } from "../envelope.js";
import { ValidationError } from "../errors.js";
import type { EventCatalog } from "../catalog/define-event-catalog.js";
import { newEventId } from "../ids.js";
import type { NewEvent } from "./new-event.js";

/** An event checked and serialised, ready for the insert statement. */
export interface PreparedEvent {
  id: string;
  tenantId: string;
  aggregateType: string;
  aggregateId: string;
  eventType: string;
  schemaVersion: number;
  payloadJson: string;
  metadataJson: string;
  idempotencyKey: string | null;
  expectedVersion: number | null;
  /** 1 for the batch's first event of its aggregate, 2 for the second, ... */
  step: number;
}

const MAX_TEXT = 200;

function requireText(field: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0) throw new ValidationError(field, "must be a non-empty string");
  if (value.length > MAX_TEXT) throw new ValidationError(field, `must be at most ${MAX_TEXT} characters`);
  return value;
}

function serialise(field: string, value: unknown): string {
  try {
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError("not serialisable");
    return json;
  } catch (error) {
    throw new ValidationError(field, "must be JSON-serialisable", { cause: error });
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Validates every event before any SQL runs, so that a bad event changes
 * nothing. Throws ValidationError (naming `events[i].field` in a batch) or
 * UnknownEventTypeError.
 */
export function prepareEvents(
  events: readonly NewEvent[],
  catalog: EventCatalog,
  maxPayloadBytes: number,
  fieldPrefix: (index: number) => string,
): PreparedEvent[] {
  const steps = new Map<string, { step: number; expectedVersion: number | null }>();
  return events.map((event, index) => {
    const at = (field: string) => `${fieldPrefix(index)}${field}`;
    try {
      if (!isPlainObject(event)) throw new ValidationError("event", "must be an object");
      const aggregateType = requireText("aggregateType", event.aggregateType);
      const aggregateId = requireText("aggregateId", event.aggregateId);
      const eventType = requireText("eventType", event.eventType);
      const tenantId = requireText("tenantId", event.tenantId ?? DEFAULT_TENANT);
      const idempotencyKey = event.idempotencyKey === undefined ? null : requireText("idempotencyKey", event.idempotencyKey);
      const { expectedVersion } = event;
      if (expectedVersion !== undefined && (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0)) {
        throw new ValidationError("expectedVersion", "must be a non-negative integer");
      }
      if (event.metadata !== undefined && !isPlainObject(event.metadata)) {
        throw new ValidationError("metadata", "must be an object");
      }
      const payload = catalog.parse(eventType, event.payload);
      const payloadJson = serialise("payload", payload);
      const payloadBytes = Buffer.byteLength(payloadJson);
      if (payloadBytes > maxPayloadBytes) {
        throw new ValidationError("payload", `is ${payloadBytes} bytes, over the limit of ${maxPayloadBytes}`);
      }

      // Events of one aggregate (tenant, type, id) in one batch take consecutive versions; an
      // expectedVersion, if any, is the version before the first of them.
      const streamKey = `${tenantId}\u0000${aggregateType}\u0000${aggregateId}`;
      const previous = steps.get(streamKey);
      const stream = previous
        ? { step: previous.step + 1, expectedVersion: previous.expectedVersion }
        : { step: 1, expectedVersion: expectedVersion ?? null };
      if (previous && expectedVersion !== undefined && expectedVersion !== (previous.expectedVersion ?? -1) + previous.step) {
        throw new ValidationError("expectedVersion", "contradicts an earlier event of the same aggregate in this batch");
      }
      steps.set(streamKey, stream);

      return {
        id: newEventId(),
        tenantId,
        aggregateType,
        aggregateId,
        eventType,
        schemaVersion: catalog.schemaVersion(eventType),
        payloadJson,
        metadataJson: serialise("metadata", event.metadata ?? {}),
        idempotencyKey,
        expectedVersion: stream.expectedVersion,
        step: stream.step,
      };
    } catch (error) {
      if (error instanceof ValidationError && fieldPrefix(index) !== "") {
        throw new ValidationError(at(error.field), error.message.slice(error.field.length + 2), { cause: error.cause });
      }
      throw error;
    }
  });
}
