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

/** A webhook endpoint id in the path. */
export const webhookId = prefixedId("whk");

/** A webhook endpoint as listed (never its secret). */
export const webhookResponse = z.object({ id: z.string(), url: z.string(), types: z.array(z.string()), created_at: z.string() });

/** The answer to `POST /api/v1/webhooks`: the only one carrying the secret. */
export const createdWebhookResponse = webhookResponse.extend({ secret: z.string().describe("whsec_…: shown only in this answer; verify deliveries with it") });

/** `GET /api/v1/webhooks`. */
export const webhookListResponse = z.object({ items: z.array(webhookResponse) });
