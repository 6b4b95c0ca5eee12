import { createDeadLetterQueue, type DeadLetter } from "@org/outbox-publisher";
import { Hono } from "hono";
import type { Kysely } from "kysely";
import { z } from "zod";
import { AppError, notFound } from "../errors.js";
import { tenantScope } from "../auth/admin-key.js";
import type { AppEnv } from "../http/env.js";
import { integerParam, singleParam } from "../http/fields.js";
import { parseQuery } from "../http/parse-request.js";
import { endpointOfGroup } from "../webhooks/endpoints.js";

/** A dead letter's id in the API: `<event id>@<group>` (one event can be dead in several groups). */
export const deadLetterId = (letter: Pick<DeadLetter, "group" | "event">) => `${letter.event.id}@${letter.group}`;

const idParam = z
  .string()
  .regex(/^evt_[0-9A-HJKMNP-TV-Z]{26}@[A-Za-z0-9_.:$-]{1,100}$/, "must be a dead letter id like evt_01J…@webhook:whk_01J…")
  .transform((id) => {
    const at = id.indexOf("@");
    return { eventId: id.slice(0, at), group: id.slice(at + 1) };
  });

const cursor = z.string().refine((value) => {
  try {
    const parsed = JSON.parse(Buffer.from(value, "base64url").toString()) as unknown;
    return Array.isArray(parsed) && parsed.length === 3 && parsed.every((part) => typeof part === "string") && /^\d+$/.test(parsed[0] as string);
  } catch {
    return false;
  }
}, "must be the next_cursor of a previous page");

/** `GET /api/v1/dead-letters` query. */
export const listQuery = z.strictObject({
  tenant_id: singleParam(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be a tenant id")).optional(),
  group: singleParam(z.string().min(1).max(100)).optional(),
  event_type: singleParam(z.string().min(1).max(200)).optional(),
  limit: singleParam(integerParam(1, 200)).optional(),
  cursor: singleParam(cursor).optional(),
});

/** A dead letter's path id. */
export const deadLetterIdParam = idParam;

const deadLetterEvent = z.object({ id: z.string(), type: z.string(), aggregate_type: z.string(), aggregate_id: z.string(), aggregate_version: z.number(), created_at: z.string() });
/** A dead letter as listed. */
export const deadLetterResponse = z.object({
  id: z.string(),
  tenant_id: z.string(),
  group: z.string(),
  webhook_id: z.string().optional(),
  event: deadLetterEvent,
  attempts: z.number(),
  last_error: z.string().nullable(),
  last_attempt_at: z.string().nullable(),
  dead_lettered_at: z.string(),
});
/** One dead letter, with its event's payload. */
export const deadLetterDetailResponse = deadLetterResponse.extend({ event: deadLetterEvent.extend({ payload: z.record(z.string(), z.unknown()) }) });
/** `GET /api/v1/dead-letters`. */
export const deadLetterListResponse = z.object({ items: z.array(deadLetterResponse), next_cursor: z.string().nullable() });

/** A dead letter as the API shows it. */
export function deadLetterJson(letter: DeadLetter) {
  const endpointId = endpointOfGroup(letter.group);
  return {
    id: deadLetterId(letter),
    tenant_id: letter.event.tenantId,
    group: letter.group,
    ...(endpointId === undefined ? {} : { webhook_id: endpointId }),
    event: {
      id: letter.event.id,
      type: letter.event.eventType,
      aggregate_type: letter.event.aggregateType,
      aggregate_id: letter.event.aggregateId,
      aggregate_version: letter.event.aggregateVersion,
      created_at: letter.event.createdAt.toISOString(),
    },
    attempts: letter.attempts,
    last_error: letter.lastError,
    last_attempt_at: letter.lastAttemptAt?.toISOString() ?? null,
    dead_lettered_at: letter.deadLetteredAt.toISOString(),
  };
}

/** Options of {@link deadLetterRoutes}. */
export interface DeadLetterRouteOptions {
  /** Called after a requeue: wakes the workers so the retry starts now. */
  onRequeue?: () => void;
}

/**
 * The dead letters of every worker group (webhook endpoints, process
 * managers) and of the relay, mounted at `/api/v1/dead-letters`. A tenant
 * sees and acts on the dead letters of its own events only; another
 * tenant's answer 404 like missing ones. The admin key sees and acts on
 * every tenant's (`?tenant_id=` narrows its list).
 */
export function deadLetterRoutes(db: Kysely<any>, options: DeadLetterRouteOptions = {}) {
  const app = new Hono<AppEnv>();
  const dlq = createDeadLetterQueue(db);

  async function ownLetter(tenantId: string | undefined, raw: string) {
    const parsed = idParam.safeParse(raw);
    if (!parsed.success) throw new AppError("invalid_parameter", `id: ${parsed.error.issues[0]!.message}`, { field: "id" });
    const { group, eventId } = parsed.data;
    const letter = await dlq.get(group, eventId);
    if (!letter || (tenantId !== undefined && letter.event.tenantId !== tenantId)) throw notFound("dead letter", raw);
    return letter;
  }

  app.get("/", async (c) => {
    const query = parseQuery(c, listQuery);
    const scope = tenantScope(c);
    if (scope !== undefined && query.tenant_id !== undefined && query.tenant_id !== scope) {
      throw new AppError("forbidden", "query.tenant_id: only the admin key can read another tenant's dead letters", { field: "query.tenant_id" });
    }
    const tenantId = scope ?? query.tenant_id;
    const page = await dlq.list({
      ...(tenantId === undefined ? {} : { tenantId }),
      ...(query.group === undefined ? {} : { group: query.group }),
      ...(query.event_type === undefined ? {} : { eventType: query.event_type }),
      ...(query.limit === undefined ? {} : { limit: query.limit }),
      ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
    });
    return c.json({ items: page.items.map(deadLetterJson), next_cursor: page.nextCursor });
  });

  app.get("/:id", async (c) => {
    const letter = await ownLetter(tenantScope(c), c.req.param("id"));
    return c.json({ ...deadLetterJson(letter), event: { ...deadLetterJson(letter).event, payload: letter.event.payload } });
  });

  app.post("/:id/requeue", async (c) => {
    const letter = await ownLetter(tenantScope(c), c.req.param("id"));
    await dlq.requeue(letter.group, letter.event.id);
    options.onRequeue?.();
    return c.json({ id: deadLetterId(letter), status: "requeued" }, 202);
  });

  app.delete("/:id", async (c) => {
    const letter = await ownLetter(tenantScope(c), c.req.param("id"));
    await dlq.discard(letter.group, letter.event.id);
    return c.body(null, 204);
  });

  return app;
}
