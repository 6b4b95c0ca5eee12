import type { DomainEvent } from "@org/events";

/** `settlementId` → `settlement_id`. */
export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

const LEADING_KEYS = ["settlementId", "paymentId"];

/**
 * A payload's keys in snake_case, the aggregate's id first, as clients
 * expect it (jsonb does not keep key order). Payloads are flat: catalog schemas
 * have no nested objects.
 */
export function snakeCasePayload(payload: Record<string, unknown>): Record<string, unknown> {
  const rank = (key: string) => (LEADING_KEYS.includes(key) ? 0 : 1);
  const entries = Object.entries(payload).sort(([a], [b]) => rank(a) - rank(b));
  return Object.fromEntries(entries.map(([key, value]) => [snakeCase(key), value]));
}

/** The SSE `data:` of an event: its payload in snake_case, with the aggregate's id first. */
export function serializeEventData(event: Pick<DomainEvent, "payload">): string {
  return JSON.stringify(snakeCasePayload(event.payload));
}

/** An event as the history endpoint shows it. */
export function eventJson(event: DomainEvent) {
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
