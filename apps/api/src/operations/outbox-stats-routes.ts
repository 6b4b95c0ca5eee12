import { readOutboxStats, type DeliveryStats } from "@org/outbox-publisher";
import { Hono } from "hono";
import type { Kysely } from "kysely";
import { z } from "zod";
import { tenantScope } from "../auth/admin-key.js";
import type { AppEnv } from "../http/env.js";
import { endpointOfGroup } from "../webhooks/endpoints.js";
import { readEndpointHealth, type EndpointHealth } from "../webhooks/endpoint-health.js";

const latency = z.object({ p50: z.number(), p95: z.number(), p99: z.number(), max: z.number(), count: z.number() });
const instanceFigures = z
  .object({ delivered: z.number(), retries: z.number(), dead_lettered: z.number(), latency_ms: latency.nullable().describe("created_at of the event to the endpoint's 2xx") })
  .describe("this instance's worker for the endpoint since it started (null when it runs none)");

/** `GET /api/v1/outbox/stats`. */
export const outboxStatsResponse = z.object({
  tenant_id: z.string().nullable().describe("null: every tenant (the admin key)"),
  feed: z.object({ backlog: z.number(), oldest_pending_age_ms: z.number().nullable(), dead_letters: z.number() }).describe("the relay (ordered feed): events not yet relayed"),
  groups: z.array(z.object({ group: z.string(), pending: z.number(), dead_letters: z.number() })).describe("worker groups other than webhook endpoints (process managers)"),
  endpoints: z.array(
    z.object({
      webhook_id: z.string(),
      tenant_id: z.string(),
      url: z.string(),
      backlog: z.number().describe("events it has yet to get, queued or not yet"),
      oldest_pending_age_ms: z.number().nullable(),
      retrying: z.number(),
      dead_letters: z.number(),
      last_error: z.string().nullable(),
      this_instance: instanceFigures.nullable(),
    }),
  ),
  open_transactions: z.object({ holding_readers: z.number(), oldest_age_ms: z.number().nullable() }).optional().describe("the admin key only: transactions that hold every reader back"),
});

/** Options of {@link outboxStatsRoutes}. */
export interface OutboxStatsRouteOptions {
  /** This instance's in-process figures of an endpoint's worker (undefined when it runs none). */
  deliveryStats?: (endpointId: string) => DeliveryStats | undefined;
}

function endpointJson(health: EndpointHealth, stats: DeliveryStats | undefined) {
  return {
    webhook_id: health.endpoint.id,
    tenant_id: health.endpoint.tenantId,
    url: health.endpoint.url,
    backlog: health.backlog,
    oldest_pending_age_ms: health.oldestPendingAgeMs,
    retrying: health.retrying,
    dead_letters: health.deadLetters,
    last_error: health.lastError,
    this_instance: stats
      ? { delivered: stats.delivered, retries: stats.retries, dead_lettered: stats.deadLettered, latency_ms: stats.latencyMs }
      : null,
  };
}

/**
 * The outbox's figures, mounted at `/api/v1/outbox`: the relay's backlog,
 * each webhook endpoint's backlog, retries, dead letters and latency, the
 * process managers' queues. Per tenant, or every tenant's with the admin key.
 */
export function outboxStatsRoutes(db: Kysely<any>, options: OutboxStatsRouteOptions = {}) {
  const app = new Hono<AppEnv>();
  app.get("/stats", async (c) => {
    const tenantId = tenantScope(c);
    const [stats, endpoints] = await Promise.all([readOutboxStats(db, tenantId === undefined ? {} : { tenantId }), readEndpointHealth(db, tenantId)]);
    const body: z.input<typeof outboxStatsResponse> = {
      tenant_id: tenantId ?? null,
      feed: { backlog: stats.backlog, oldest_pending_age_ms: stats.oldestUnpublishedAgeMs, dead_letters: stats.feedDeadLetters },
      groups: stats.groups.filter(({ group }) => endpointOfGroup(group) === undefined).map((g) => ({ group: g.group, pending: g.pending, dead_letters: g.deadLetters })),
      endpoints: endpoints.map((health) => endpointJson(health, options.deliveryStats?.(health.endpoint.id))),
      ...(tenantId === undefined
        ? { open_transactions: { holding_readers: stats.openTransactionsHoldingReaders, oldest_age_ms: stats.oldestOpenTransactionAgeMs } }
        : {}),
    };
    return c.json(body);
  });
  return app;
}
