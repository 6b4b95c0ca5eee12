import type { DomainEvent } from "@org/events";
import type { SSEBroadcaster } from "@org/sse-broadcaster";
import { sseHandler } from "@org/sse-broadcaster/hono";
import { Hono, type Context } from "hono";
import { setCookie } from "hono/cookie";
import type { Kysely } from "kysely";
import { requireStreamCredential, STREAM_TOKEN_COOKIE } from "../auth/middleware.js";
import type { StreamTokens } from "../auth/stream-token.js";
import type { Database } from "../db/schema.js";
import type { AppEnv } from "../http/env.js";
import { parseQuery } from "../http/parse-request.js";
import { streamQuery } from "./stream-filter.js";

/** What the event routes need. */
export interface EventRoutesDeps {
  db: Kysely<Database>;
  broadcaster: SSEBroadcaster<DomainEvent>;
  streamTokens: StreamTokens;
  /** Extra figures for `/events/stats`, e.g. the publisher's. */
  stats?: () => Record<string, unknown>;
}

/**
 * `/api/v1/events`: `POST /token` (stream token + HttpOnly cookie),
 * `GET /stream` (SSE) and `GET /stats`. Mount behind the API-key middleware:
 * only the stream authenticates itself (it also takes stream tokens).
 */
export function eventRoutes({ db, broadcaster, streamTokens, stats = () => ({}) }: EventRoutesDeps) {
  const app = new Hono<AppEnv>();

  app.post("/token", (c) => {
    const { token, expiresAt } = streamTokens.issue(c.get("tenantId"));
    setCookie(c, STREAM_TOKEN_COOKIE, token, {
      httpOnly: true,
      sameSite: "Strict",
      secure: new URL(c.req.url).protocol === "https:",
      path: "/api/v1/events",
      maxAge: streamTokens.ttlSeconds,
    });
    return c.json({ token, expires_at: expiresAt.toISOString() }, 201);
  });

  const stream = sseHandler<DomainEvent, Context<AppEnv>>(broadcaster, (c) => {
    const query = parseQuery(c, streamQuery);
    return {
      // The tenant comes from the credential only; the query can narrow, never widen.
      filter: { tenantId: c.get("tenantId"), types: query.types, aggregateIds: query.aggregate_id },
      key: c.get("tenantId"),
      lastEventId: c.req.header("last-event-id") || query.last_event_id,
    };
  });
  app.get("/stream", requireStreamCredential(db, streamTokens), stream);

  app.get("/stats", (c) => {
    const { clientsByFilter, ...sse } = broadcaster.getStats();
    // Filter labels name tenants and aggregates: show a tenant only its own.
    const own = `tenant=${c.get("tenantId")}`;
    const ownFilters = Object.entries(clientsByFilter).filter(([label]) => label === own || label.startsWith(`${own} `));
    return c.json({ sse: { ...sse, clientsByFilter: Object.fromEntries(ownFilters) }, ...stats() });
  });

  return app;
}
