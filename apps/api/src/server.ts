import { randomBytes } from "node:crypto";
import { matchesEventType } from "@org/events";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createApp } from "./app.js";
import { connectionDraining } from "./http/connection-draining.js";
import { newApiKey, provisionApiKeys } from "./auth/api-keys.js";
import { createStreamTokens } from "./auth/stream-token.js";
import type { Config } from "./config.js";
import { runApiMigrations } from "./db/migrations.js";
import { openDatabase } from "./db/open-database.js";
import { createLiveFeed } from "./events/live-feed.js";
import { createMetrics, sampleInstanceFeed, sampleLiveFeed } from "./metrics/index.js";
import { createWebhookDelivery } from "./webhooks/webhook-delivery.js";
import { createRetentionSchedule } from "./operations/retention-schedule.js";
import { createRefundSaga, REFUND_SAGA_TYPES } from "./sagas/refund-failed-settlements.js";

/** A running service. */
export interface RunningServer {
  /** e.g. `http://127.0.0.1:3000`. */
  url: string;
  /**
   * Stops accepting connections, ends the SSE streams, lets the publisher
   * finish what it holds, closes the database. Idempotent; rejects with an
   * AggregateError when a step failed (the others still ran).
   */
  shutdown(): Promise<void>;
  /** What a shutdown in progress is waiting for (for the log when it takes too long). */
  shutdownStep(): string | undefined;
}

/** Opens the database, migrates, provisions keys, wires the live path and listens. */
export async function startServer(config: Config, log: (line: string) => void = console.log): Promise<RunningServer> {
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  const { db } = database;
  await runApiMigrations(db);

  if (config.API_KEYS.length > 0) {
    await provisionApiKeys(db, config.API_KEYS);
  } else {
    const key = newApiKey();
    await provisionApiKeys(db, [{ tenantId: "dev", key }]);
    log(`No API_KEYS configured: created a development key for tenant "dev":\n  ${key}`);
  }
  if (!config.STREAM_TOKEN_SECRET) log("STREAM_TOKEN_SECRET not set: stream tokens are signed with a random per-process secret.");

  const metrics = createMetrics();
  const live = createLiveFeed({
    onMetric: metrics.onOutboxMetric,
    database,
    databaseUrl: config.DATABASE_URL,
    redisUrl: config.REDIS_URL,
    redisKeyPrefix: config.REDIS_KEY_PREFIX,
    pollIntervalMs: config.PUBLISHER_POLL_INTERVAL_MS,
    heartbeatIntervalMs: config.SSE_HEARTBEAT_MS,
    maxClientsPerTenant: config.SSE_MAX_CLIENTS_PER_TENANT,
    maxQueueBytes: config.SSE_MAX_QUEUE_BYTES,
    maxQueueEvents: config.SSE_MAX_QUEUE_EVENTS,
  });
  const { broadcaster, publisher } = live;
  sampleLiveFeed(metrics, { broadcaster, publisher, db, onPostgres: database.kind === "postgres" });
  sampleInstanceFeed(metrics, live);

  const webhooks = createWebhookDelivery(db, {
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    allowPrivateNetworks: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    retry: { maxAttempts: config.WEBHOOK_MAX_ATTEMPTS },
    onMetric: (metric, endpointId) => {
      if (metric.type === "error") console.error(`webhooks (${endpointId}):`, metric.error);
    },
  });
  const afterCommit = () => live.afterCommit();
  // the process manager: refunds the payment of a failed settlement, exactly once in effect
  const saga = createRefundSaga(db, {
    afterCommit,
    onMetric: (metric) => {
      if (metric.type === "error") console.error("refund saga:", metric.error);
    },
  });

  const app = createApp({
    db,
    broadcaster,
    streamTokens: createStreamTokens({ secret: config.STREAM_TOKEN_SECRET ?? randomBytes(32).toString("hex"), ttlSeconds: config.STREAM_TOKEN_TTL_SECONDS }),
    metrics,
    metricsToken: config.METRICS_TOKEN,
    adminApiKey: config.ADMIN_API_KEY,
    afterCommit,
    apiKeyCacheTtlMs: config.API_KEY_CACHE_TTL_MS,
    rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
    maxStreamsPerTenant: config.SSE_MAX_CLIENTS_PER_TENANT,
    webhooks: { allowPrivateNetworks: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS, onChange: () => webhooks.refresh(), onReplay: () => webhooks.notify() },
    deliveryStats: (endpointId) => webhooks.stats(endpointId),
    onRequeue: () => webhooks.notify(),
  });
  // The worker groups are woken by the events they take, as this process's feed delivers them (and poll besides).
  live.onEvent((event) => {
    webhooks.notify(event.eventType);
    if (REFUND_SAGA_TYPES.some((pattern) => matchesEventType(event.eventType, pattern))) saga.notify();
  });
  await live.start();
  await webhooks.start();
  await saga.start();
  const retention = createRetentionSchedule(db, {
    retentionDays: config.EVENT_RETENTION_DAYS,
    intervalMs: config.EVENT_RETENTION_INTERVAL_MS,
    isLeader: () => publisher.getStats().isLeader,
    onDeleted: (count) => log(`retention: deleted ${count} events older than ${config.EVENT_RETENTION_DAYS} days`),
    onError: (error) => console.error("retention:", error),
  });
  retention.start();

  const server = serve({ fetch: app.fetch, port: config.PORT, ...(config.HOST ? { hostname: config.HOST } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const draining = connectionDraining(server);
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.HOST && config.HOST !== "0.0.0.0" ? config.HOST : "127.0.0.1"}:${port}`;

  let stopped: Promise<void> | undefined;
  let waitingFor: string | undefined;
  const shutdown = () =>
    (stopped ??= (async () => {
      const errors: unknown[] = [];
      const step = async (name: string, promise: Promise<unknown>) => {
        waitingFor = name;
        await promise.catch((error) => void errors.push(error));
      };
      draining.start();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await step("the SSE streams", broadcaster.close({ comment: "server shutting down; reconnect with Last-Event-ID" }));
      await step("retention", retention.stop());
      await step("webhook delivery", webhooks.stop());
      await step("the refund saga", saga.stop());
      await step("the live feed", live.stop());
      // Idle keep-alive sockets would hold close() open; streams are already ended.
      if ("closeIdleConnections" in server) server.closeIdleConnections();
      await step("open HTTP connections", closed);
      await step("the database pool", db.destroy());
      waitingFor = undefined;
      if (errors.length > 0) throw new AggregateError(errors, `shutdown met ${errors.length} error(s)`);
    })());

  return { url, shutdown, shutdownStep: () => waitingFor };
}
