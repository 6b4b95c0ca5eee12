import { Hono } from "hono";
import type { Kysely } from "kysely";
import { AppError, notFound } from "../errors.js";
import type { AppEnv } from "../http/env.js";
import { parseJsonBody, parsePathParam } from "../http/parse-request.js";
import { assertPublicHost } from "./address-guard.js";
import { createEndpoint, deleteEndpoint, getEndpoint, listEndpoints, type WebhookEndpoint } from "./endpoints.js";
import { replayToEndpoint } from "./replay-to-endpoint.js";
import * as schemas from "./http-schemas.js";

/** Options of {@link webhookRoutes}. */
export interface WebhookRouteOptions {
  /** Accept URLs on loopback, link-local and private addresses. @default false */
  allowPrivateNetworks?: boolean;
  /** Called after an endpoint was added or removed (starts or stops its worker at once). */
  onChange?: () => unknown;
  /** Called after a replay was queued (wakes the endpoints' workers). */
  onReplay?: () => void;
}

/** An endpoint as the API lists it: never its secret. */
export function webhookJson(endpoint: WebhookEndpoint) {
  return { id: endpoint.id, url: endpoint.url, types: endpoint.types, created_at: endpoint.createdAt.toISOString() };
}

/** The webhook routes, mounted at `/api/v1/webhooks`. */
export function webhookRoutes(db: Kysely<any>, options: WebhookRouteOptions = {}) {
  const app = new Hono<AppEnv>();
  const changed = async () => {
    try {
      await options.onChange?.();
    } catch (error) {
      console.error("webhooks: applying an endpoint change failed (the periodic refresh retries):", error);
    }
  };

  app.post("/", async (c) => {
    const body = await parseJsonBody(c, schemas.createWebhookBody);
    if (!options.allowPrivateNetworks) {
      try {
        await assertPublicHost(new URL(body.url).hostname);
      } catch (error) {
        throw new AppError("validation_failed", `url: ${(error as Error).message}`, { field: "url", cause: error });
      }
    }
    const endpoint = await createEndpoint(db, c.get("tenantId"), body);
    await changed();
    // the only time the secret is shown
    return c.json({ ...webhookJson(endpoint), secret: endpoint.secret }, 201);
  });

  app.get("/", async (c) => c.json({ items: (await listEndpoints(db, c.get("tenantId"))).map(webhookJson) }));

  app.post("/:id/replay", async (c) => {
    const id = parsePathParam(c, "id", schemas.webhookId);
    const body = await parseJsonBody(c, schemas.replayWebhookBody);
    const tenantId = c.get("tenantId");
    const endpoint = await getEndpoint(db, tenantId, id);
    if (!endpoint) throw notFound("webhook", id);
    const queued = await replayToEndpoint(db, endpoint, body);
    options.onReplay?.();
    return c.json({ webhook_id: id, queued }, 202);
  });

  app.delete("/:id", async (c) => {
    const id = parsePathParam(c, "id", schemas.webhookId);
    if (!(await deleteEndpoint(db, c.get("tenantId"), id))) throw notFound("webhook", id);
    await changed();
    return c.body(null, 204);
  });

  return app;
}
