import type { DomainEvent } from "@org/events";
import type { SSEBroadcaster } from "@org/sse-broadcaster";
import { isSSEError } from "@org/sse-broadcaster";
import { sseHandler } from "@org/sse-broadcaster/hono";
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { setCookie } from "hono/cookie";
import type { Kysely } from "kysely";
import type { ApiKeyCache } from "../auth/api-key-cache.js";
import { requireStreamCredential, STREAM_TOKEN_COOKIE } from "../auth/middleware.js";
import type { StreamTokens } from "../auth/stream-token.js";
import type { Database } from "../db/schema.js";
import { AppError } from "../errors.js";
import type { AppEnv } from "../http/env.js";
import { parseQuery } from "../http/parse-request.js";
import { streamQuery } from "./stream-filter.js";

/** What the event routes need. */
export interface EventRoutesDeps {
  db: Kysely<Database>;
  broadcaster: SSEBroadcaster<DomainEvent>;
  streamTokens: StreamTokens;
  /** Finds an API key's tenant. */
  apiKeys: ApiKeyCache;
  /** Runs after the stream's authentication: the request rate limit. */
  afterStreamAuth?: MiddlewareHandler<AppEnv>;
  /**
   * The broadcaster's `maxClientsPerKey` (the key is the tenant): a refusal
   * at that count answers 429 `too_many_streams`, not 503.
   */
  maxStreamsPerTenant?: number;
}

/** How long a tenant at its stream limit should wait before trying again. */
const STREAM_RETRY_AFTER_SECONDS = 5;

/** The tenant's own connected clients: every client's filter label starts with its tenant. */
function ownClients(clientsByFilter: Record<string, number>, tenantId: string): Record<string, number> {
  const own = `tenant=${tenantId}`;
  return Object.fromEntries(Object.entries(clientsByFilter).filter(([label]) => label === own || label.startsWith(`${own} `)));
}

/**
 * `/api/v1/events`: `POST /token` (stream token + HttpOnly cookie),
 * `GET /stream` (SSE) and `GET /stats`. Mount behind the API-key middleware:
 * only the stream authenticates itself (it also takes stream tokens).
 */
export function eventRoutes({ db, broadcaster, streamTokens, apiKeys, afterStreamAuth = (_c, next) => next(), maxStreamsPerTenant }: EventRoutesDeps) {
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
  app.get("/stream", requireStreamCredential(apiKeys, streamTokens), afterStreamAuth, async (c) => {
    try {
      return await stream(c);
    } catch (error) {
      if (isSSEError(error) && error.code === "too_many_clients" && maxStreamsPerTenant !== undefined) {
        const open = Object.values(ownClients(broadcaster.getStats().clientsByFilter, c.get("tenantId"))).reduce((a, b) => a + b, 0);
        if (open >= maxStreamsPerTenant) {
          throw new AppError("too_many_streams", `this tenant already has ${open} open streams (at most ${maxStreamsPerTenant})`, {
            retryAfterSeconds: STREAM_RETRY_AFTER_SECONDS,
            cause: error,
          });
        }
      }
      throw error;
    }
  });

  // Only the tenant's own figures: server-wide counters (all tenants' traffic, the relay) belong to /metrics.
  app.get("/stats", (c) => {
    const clientsByFilter = ownClients(broadcaster.getStats().clientsByFilter, c.get("tenantId"));
    const clients = Object.values(clientsByFilter).reduce((a, b) => a + b, 0);
    return c.json({ sse: { clients, clientsByFilter } });
  });

  return app;
}
