import type { DomainEvent } from "@org/events";
import type { SSEBroadcaster } from "@org/sse-broadcaster";
import { Hono } from "hono";
import { sql, type Kysely } from "kysely";
import { adminKeyMatcher, adminKeyRefused, isAdminPath } from "./auth/admin-key.js";
import { requireApiKey } from "./auth/middleware.js";
import { inSpan, SpanKind } from "./tracing/trace-context.js";
import type { StreamTokens } from "./auth/stream-token.js";
import { dashboardBundle } from "./dashboard/bundle.js";
import { dashboardPage } from "./dashboard/page.js";
import type { Database } from "./db/schema.js";
import { AppError } from "./errors.js";
import { eventRoutes } from "./events/routes.js";
import type { AppEnv } from "./http/env.js";
import { limitBodySize } from "./http/body-limit.js";
import { errorResponse } from "./http/error-response.js";
import { buildOpenApiDocument } from "./http/openapi.js";
import { createRateLimiter } from "./http/rate-limit.js";
import { createApiKeyCache } from "./auth/api-key-cache.js";
import { hashApiKey, lookupApiKey } from "./auth/api-keys.js";
import type { Metrics } from "./metrics/index.js";
import { requireMetricsToken } from "./auth/metrics-token.js";
import { createPaymentCommands } from "./payments/commands.js";
import { paymentRoutes } from "./payments/routes.js";
import { createSettlementCommands } from "./settlements/commands.js";
import { settlementRoutes } from "./settlements/routes.js";
import { deadLetterRoutes } from "./operations/dead-letter-routes.js";
import { outboxStatsRoutes, type OutboxStatsRouteOptions } from "./operations/outbox-stats-routes.js";
import { webhookRoutes, type WebhookRouteOptions } from "./webhooks/routes.js";

const STREAM_PATH = "/api/v1/events/stream";
const OPENAPI_PATH = "/api/v1/openapi.json";

/** Largest accepted request body. Commands are a few hundred bytes. */
export const MAX_BODY_BYTES = 16 * 1024;

/** Everything the app is built from, injected so tests can build it in-process. */
export interface AppDeps {
  db: Kysely<Database>;
  broadcaster: SSEBroadcaster<DomainEvent>;
  streamTokens: StreamTokens;
  metrics: Metrics;
  /** When set, `GET /metrics` requires `Authorization: Bearer <token>`. @default undefined (open: it holds no tenant data) */
  metricsToken?: string | undefined;
  /** Called after every commit that wrote events: the publisher's wake-up. */
  afterCommit?: () => void;
  /** Extra readiness checks for `/readyz` (the database is always checked). */
  readiness?: Record<string, () => boolean>;
  /** How long an API key found in the database is trusted before it is looked up again (see createApiKeyCache). @default 5000 */
  apiKeyCacheTtlMs?: number;
  /** Requests per credential per minute (0: no limit). @default 0 */
  rateLimitPerMinute?: number;
  /** The broadcaster's `maxClientsPerKey`: reaching it answers 429. @default undefined (503 only) */
  maxStreamsPerTenant?: number;
  /** Webhook registration: private networks allowed?, and the delivery's refresh on change. */
  webhooks?: WebhookRouteOptions;
  /** Wakes the worker groups after a dead letter is requeued. */
  onRequeue?: () => void;
  /** This instance's figures of an endpoint's webhook worker, for `GET /api/v1/outbox/stats`. */
  deliveryStats?: OutboxStatsRouteOptions["deliveryStats"];
  /** The key that operates the outbox (dead letters, outbox stats) for every tenant. @default undefined (operations per tenant only) */
  adminApiKey?: string | undefined;
}

/** Builds the Hono app: routes, auth, error mapping and metrics. */
export function createApp(deps: AppDeps) {
  const { db, metrics } = deps;
  const app = new Hono<AppEnv>();
  const openApiDocument = buildOpenApiDocument();

  app.use(async function measure(c, next) {
    const started = performance.now();
    await next();
    metrics.observeRequest(c.req.method, c.req.routePath, c.res.status, (performance.now() - started) / 1000);
  });
  // a server span per API request (a no-op without an OpenTelemetry SDK); commands continue it into their events
  app.use("/api/v1/*", (c, next) =>
    inSpan(`HTTP ${c.req.method}`, { kind: SpanKind.SERVER, attributes: { "http.request.method": c.req.method, "url.path": c.req.path } }, async (span) => {
      await next();
      span.setAttribute("http.route", c.req.routePath);
      span.setAttribute("http.response.status_code", c.res.status);
    }),
  );

  app.get("/", (c) => c.html(dashboardPage()));
  app.get("/dashboard.js", async (c) => c.body(await dashboardBundle(), 200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache" }));
  // Browsers ask for it on every dashboard load; answering keeps 404s in the metrics meaningful.
  app.get("/favicon.ico", (c) => c.body(null, 204));
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    const checks: Record<string, boolean> = {};
    checks.database = await sql`select 1`.execute(db).then(
      () => true,
      () => false,
    );
    for (const [name, check] of Object.entries(deps.readiness ?? {})) checks[name] = check();
    const ready = Object.values(checks).every(Boolean);
    return c.json({ status: ready ? "ready" : "not_ready", checks }, ready ? 200 : 503);
  });
  app.get("/metrics", requireMetricsToken(deps.metricsToken), async (c) => {
    const { text, contentType } = await metrics.render();
    return c.body(text, 200, { "Content-Type": contentType });
  });

  const tooLarge = () => new AppError("payload_too_large", `the body is over ${MAX_BODY_BYTES} bytes`, { field: "body" });
  // The rest of an oversized body is still on the wire: close the connection, or it would be read as the next request.
  const refuseLargeBody = (c: Parameters<typeof errorResponse>[1]) => {
    c.header("Connection", "close");
    return errorResponse(tooLarge(), c);
  };
  app.use("/api/v1/*", limitBodySize(MAX_BODY_BYTES, refuseLargeBody));

  // Public: client generators and API browsers read it without a key.
  app.get(OPENAPI_PATH, (c) => c.json(openApiDocument));

  // Every other /api/v1 route needs the API key, except the stream, which also takes stream tokens (its own middleware).
  // Then the per-credential rate limit: keyed by the key's hash, or by the tenant of a stream token.
  const apiKeys = createApiKeyCache((key) => lookupApiKey(db, key), { ttlMs: deps.apiKeyCacheTtlMs });
  const authenticated = requireApiKey(apiKeys, adminKeyMatcher(deps.adminApiKey));
  const limiter = createRateLimiter({ perMinute: deps.rateLimitPerMinute ?? 0 });
  const rateLimited = limiter.middleware((c) => {
    const bearer = /^Bearer\s+(\S+)/i.exec(c.req.header("authorization") ?? "");
    return bearer ? `key:${hashApiKey(bearer[1]!)}` : `tenant:${c.get("tenantId")}`;
  });
  app.use("/api/v1/*", (c, next) => (c.req.path === STREAM_PATH || c.req.path === OPENAPI_PATH ? next() : authenticated(c, async () => void (await rateLimited(c, next)))));
  app.use("/api/v1/*", (c, next) => {
    if (c.get("admin") && !isAdminPath(c.req.path)) throw adminKeyRefused(c.req.path);
    return next();
  });
  app.route(
    "/api/v1/events",
    eventRoutes({ db, broadcaster: deps.broadcaster, streamTokens: deps.streamTokens, apiKeys, afterStreamAuth: rateLimited, maxStreamsPerTenant: deps.maxStreamsPerTenant }),
  );
  app.route("/api/v1/settlements", settlementRoutes(db, createSettlementCommands({ db, afterCommit: deps.afterCommit })));
  app.route("/api/v1/payments", paymentRoutes(db, createPaymentCommands({ db, afterCommit: deps.afterCommit })));
  app.route("/api/v1/webhooks", webhookRoutes(db, deps.webhooks));
  app.route("/api/v1/outbox", outboxStatsRoutes(db, deps.deliveryStats ? { deliveryStats: deps.deliveryStats } : {}));
  app.route("/api/v1/dead-letters", deadLetterRoutes(db, deps.onRequeue ? { onRequeue: deps.onRequeue } : {}));

  app.notFound((c) => errorResponse(new AppError("not_found", `no route ${c.req.method} ${c.req.path}`), c));
  app.onError((error, c) => errorResponse(error, c));
  return app;
}
