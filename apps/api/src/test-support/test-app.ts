import type { DomainEvent } from "@org/events";
import { createSSEBroadcaster } from "@org/sse-broadcaster";
import type { Kysely } from "kysely";
import { createApp, type AppDeps } from "../app.js";
import { provisionApiKeys } from "../auth/api-keys.js";
import { createStreamTokens, type StreamTokens } from "../auth/stream-token.js";
import { runApiMigrations } from "../db/migrations.js";
import type { Database } from "../db/schema.js";
import { createMetrics } from "../metrics/index.js";

/** The keys every in-process test app knows. */
export const TEST_KEYS = { tenantA: "key-tenant-a-000000", tenantB: "key-tenant-b-000000", admin: "key-admin-0000000000" } as const;

/** A request helper bound to one API key: JSON in, status and JSON out. */
export type TestClient = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number; body: any; headers: Headers }>;

/**
 * Migrates `db`, provisions the test keys (and the admin key) and builds the app in-process
 * (no live feed: commands, reads and validation only).
 */
export async function buildTestApp(
  db: Kysely<Database>,
  streamTokens: StreamTokens = createStreamTokens({ secret: "test-secret-0123456789", ttlSeconds: 60 }),
  extra: Partial<Pick<AppDeps, "webhooks" | "onRequeue" | "afterCommit" | "deliveryStats">> = {},
) {
  await runApiMigrations(db);
  await provisionApiKeys(db, [
    { tenantId: "tenant-a", key: TEST_KEYS.tenantA },
    { tenantId: "tenant-b", key: TEST_KEYS.tenantB },
  ]);
  const app = createApp({
    db,
    broadcaster: createSSEBroadcaster<DomainEvent>({ heartbeatIntervalMs: 0 }),
    streamTokens,
    metrics: createMetrics({ defaultMetrics: false }),
    adminApiKey: TEST_KEYS.admin,
    ...extra,
  });
  const clientFor =
    (key: string | undefined): TestClient =>
    async (method, path, body, headers = {}) => {
      const init: RequestInit = { method, headers: { ...(key ? { Authorization: `Bearer ${key}` } : {}), ...headers } };
      if (body !== undefined) {
        init.body = typeof body === "string" ? body : JSON.stringify(body);
        (init.headers as Record<string, string>)["Content-Type"] ??= "application/json";
      }
      const response = await app.request(path, init);
      const text = await response.text();
      let json: unknown = text;
      try {
        json = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body: json, headers: response.headers };
    };
  return { app, tenantA: clientFor(TEST_KEYS.tenantA), tenantB: clientFor(TEST_KEYS.tenantB), admin: clientFor(TEST_KEYS.admin), anonymous: clientFor(undefined) };
}

/** How many events the store holds (to prove a refused request wrote nothing). */
export async function countEvents(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom("domain_events").select((eb) => eb.fn.countAll<string>().as("count")).executeTakeFirstOrThrow();
  return Number(row.count);
}
