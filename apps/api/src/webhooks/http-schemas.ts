import { assertEventTypePattern } from "@org/events";
import { z } from "zod";
import { prefixedId } from "../http/fields.js";

const typePattern = z.string().superRefine((value, ctx) => {
  try {
    assertEventTypePattern(value);
  } catch {
    ctx.addIssue({ code: "custom", message: 'must be an event type, "prefix.*" or "*"' });
  }
});

/** `POST /api/v1/webhooks`. */
export const createWebhookBody = z.strictObject({
  url: z
    .string()
    .max(2048)
    .superRefine((value, ctx) => {
      const url = URL.parse(value);
      if (!url) ctx.addIssue({ code: "custom", message: "must be an absolute URL" });
      else if (url.protocol !== "http:" && url.protocol !== "https:") ctx.addIssue({ code: "custom", message: "must be an http or https URL" });
      else if (url.username !== "" || url.password !== "") ctx.addIssue({ code: "custom", message: "must not carry credentials" });
    }),
  types: z.array(typePattern).min(1).max(20),
});

const instant = z.iso.datetime({ offset: true }).transform((text) => new Date(text));
const eventId = prefixedId("evt");

/** `POST /api/v1/webhooks/:id/replay`: a range of the tenant's log (a start is required), optionally narrowed to types. */
export const replayWebhookBody = z
  .strictObject({
    from: instant.optional().describe("events created at or after this time (ISO 8601 with offset)"),
    to: instant.optional().describe("events created before this time"),
    after: eventId.optional().describe("events after this one (exclusive), in the log's order"),
    until: eventId.optional().describe("events up to this one (inclusive)"),
    types: z.array(typePattern).min(1).max(20).optional().describe("narrows the endpoint's own types; never widens them"),
  })
  .superRefine((body, ctx) => {
    if (body.from === undefined && body.after === undefined) ctx.addIssue({ code: "custom", path: ["from"], message: "a replay needs a start: from or after" });
    if (body.from !== undefined && body.to !== undefined && body.to <= body.from) ctx.addIssue({ code: "custom", path: ["to"], message: "must be later than from" });
  });

/** The answer to a replay: how many events were queued for the endpoint again. */
export const replayResponse = z.object({ webhook_id: z.string(), queued: z.number().int().describe("events queued again; delivered in order per aggregate, signed, with retries") });

/** A webhook endpoint id in the path. */
export const webhookId = prefixedId("whk");

/** A webhook endpoint as listed (never its secret). */
export const webhookResponse = z.object({ id: z.string(), url: z.string(), types: z.array(z.string()), created_at: z.string() });

/** The answer to `POST /api/v1/webhooks`: the only one carrying the secret. */
export const createdWebhookResponse = webhookResponse.extend({ secret: z.string().describe("whsec_…: shown only in this answer; verify deliveries with it") });

/** `GET /api/v1/webhooks`. */
export const webhookListResponse = z.object({ items: z.array(webhookResponse) });
