import { toWirePayload, type DomainEvent } from "@org/events";
import type { EventResponse } from "../http/response-schemas.js";

const LEADING_KEYS = ["settlementId", "paymentId"];

/**
 * A payload's keys in snake_case, the aggregate's id first (jsonb does not
 * keep key order). The renaming is @org/events' `toWirePayload`, whose type
 * twin `WireEvents` types @org/event-stream-client's events: one definition
 * of the wire format for the server and its clients. Payloads are flat:
 * catalog schemas have no nested objects.
 */
export function snakeCasePayload(payload: Record<string, unknown>): Record<string, unknown> {
  const rank = (key: string) => (LEADING_KEYS.includes(key) ? 0 : 1);
  return toWirePayload(Object.fromEntries(Object.entries(payload).sort(([a], [b]) => rank(a) - rank(b))));
}

/** The SSE `data:` of an event: its payload in snake_case, with the aggregate's id first. */
export function serializeEventData(event: Pick<DomainEvent, "payload">): string {
  return JSON.stringify(snakeCasePayload(event.payload));
}

/** An event as the history endpoint shows it. */
export function eventJson(event: DomainEvent): EventResponse {
  return {
    id: event.id,
    type: event.eventType,
    aggregate_type: event.aggregateType,
    aggregate_id: event.aggregateId,
    version: event.aggregateVersion,
    data: snakeCasePayload(event.payload),
    created_at: event.createdAt.toISOString(),
  };
}
