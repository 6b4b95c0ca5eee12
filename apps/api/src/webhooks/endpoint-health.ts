import { eventTypeCondition } from "@org/events";
import { sql, type Kysely } from "kysely";
import { groupOfEndpoint, listEndpoints, type WebhookEndpoint } from "./endpoints.js";

/** One endpoint's delivery figures, from the database (every instance's work). */
export interface EndpointHealth {
  endpoint: WebhookEndpoint;
  /** Events it has yet to get: queued (pending or backing off) and not yet queued (past its group's checkpoint). */
  backlog: number;
  /** Age of the oldest of them, in ms (database clock); null when none. */
  oldestPendingAgeMs: number | null;
  /** Queued events that failed at least once and wait for their next attempt. */
  retrying: number;
  deadLetters: number;
  /** The latest failure's text among its queued events and dead letters; null when none. */
  lastError: string | null;
}

const ms = (value: string | number | null) => (value === null ? null : Math.max(0, Math.round(Number(value))));

async function healthOf(db: Kysely<any>, endpoint: WebhookEndpoint): Promise<EndpointHealth> {
  const group = groupOfEndpoint(endpoint.id);
  const { rows } = await sql<{ queued: string; retrying: string; dead: string; oldest_queued: Date | string | null; last_error: string | null; unqueued: string; oldest_unqueued: Date | string | null; age_ms: string | null }>`
    with q as (
      select count(*) filter (where status = 'pending') as queued,
        count(*) filter (where status = 'pending' and attempts > 0) as retrying,
        count(*) filter (where status = 'dead') as dead,
        min(event_created_at) filter (where status = 'pending') as oldest_queued,
        (select last_error from domain_events_deliveries x where x.group_name = ${group} and x.last_error is not null order by x.last_attempt_at desc nulls last limit 1) as last_error
      from domain_events_deliveries where group_name = ${group}
    ), u as (
      select count(*) as unqueued, min(e.created_at) as oldest_unqueued
      from domain_events_groups g join domain_events e on (e.transaction_id, e.position) > (g.transaction_id, g.position)
      where g.group_name = ${group} and e.tenant_id = ${endpoint.tenantId} and ${eventTypeCondition(endpoint.types, "e.event_type")}
    )
    select q.*, u.*, extract(epoch from now() - least(q.oldest_queued, u.oldest_unqueued)) * 1000 as age_ms from q, u`.execute(db);
  const row = rows[0]!;
  return {
    endpoint,
    backlog: Number(row.queued) + Number(row.unqueued),
    oldestPendingAgeMs: ms(row.age_ms),
    retrying: Number(row.retrying),
    deadLetters: Number(row.dead),
    lastError: row.last_error,
  };
}

/** The delivery figures of the tenant's endpoints, or of every endpoint when `tenantId` is undefined. */
export async function readEndpointHealth(db: Kysely<any>, tenantId: string | undefined): Promise<EndpointHealth[]> {
  const endpoints = await listEndpoints(db, tenantId);
  return Promise.all(endpoints.map((endpoint) => healthOf(db, endpoint)));
}
