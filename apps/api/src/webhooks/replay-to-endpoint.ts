import { matchesEventType } from "@org/events";
import { replayIntoGroup } from "@org/outbox-publisher";
import { sql, type Kysely } from "kysely";
import type { z } from "zod";
import { AppError } from "../errors.js";
import { groupOfEndpoint, type WebhookEndpoint } from "./endpoints.js";
import type { replayWebhookBody } from "./http-schemas.js";
import { publicEvents } from "./public-events.js";

/**
 * Queues a range of the endpoint's tenant's log into the endpoint's worker
 * group again (`replayIntoGroup`): only events the endpoint receives (its
 * types, and the request's narrowing them; public events), so its worker
 * delivers them once more, signed, in order per aggregate, with retries and
 * dead letters, and no other endpoint sees anything. An `after`/`until`
 * event must be the tenant's. Returns how many events were queued.
 */
export async function replayToEndpoint(db: Kysely<any>, endpoint: WebhookEndpoint, range: z.output<typeof replayWebhookBody>): Promise<number> {
  for (const field of ["after", "until"] as const) {
    const id = range[field];
    if (id === undefined) continue;
    const { rows } = await sql`select 1 from domain_events where id = ${id} and tenant_id = ${endpoint.tenantId}`.execute(db);
    if (rows.length === 0) throw new AppError("validation_failed", `${field}: no event ${id} of this tenant`, { field });
  }
  const wanted = (type: string) => endpoint.types.some((pattern) => matchesEventType(pattern, type)) && publicEvents.isPublic(type);
  return replayIntoGroup(db, {
    group: groupOfEndpoint(endpoint.id),
    tenantId: endpoint.tenantId,
    types: range.types ?? endpoint.types,
    ...(range.from === undefined ? {} : { from: range.from }),
    ...(range.to === undefined ? {} : { to: range.to }),
    ...(range.after === undefined ? {} : { after: range.after }),
    ...(range.until === undefined ? {} : { until: range.until }),
    accept: (event) => wanted(event.eventType),
  });
}
