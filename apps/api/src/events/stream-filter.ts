import { assertEventTypePattern, isEventsError } from "@org/events";
import { z } from "zod";
import { prefixedId } from "../http/fields.js";

const aggregateId = z.union([prefixedId("stl"), prefixedId("pay")]);

/**
 * Query of `GET /api/v1/events/stream`: `types` (patterns, repeated or
 * comma-separated), `aggregate_id` (repeated), `last_event_id`, and
 * `access_token` (read by the auth middleware).
 */
export const streamQuery = z.strictObject({
  types: z
    .array(z.string())
    .transform((values) => values.flatMap((value) => value.split(",")).map((type) => type.trim()).filter((type) => type !== ""))
    .superRefine((types, ctx) => {
      for (const [index, type] of types.entries()) {
        try {
          assertEventTypePattern(type, "types");
        } catch (error) {
          if (!isEventsError(error, "validation_failed")) throw error;
          ctx.addIssue({ code: "custom", path: [index], message: `"${type}" is not an event type pattern (a type, "prefix.*" or "*")` });
        }
      }
    })
    .optional(),
  aggregate_id: z.array(aggregateId).max(100).optional(),
  last_event_id: z
    .array(z.string().regex(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/, "must be an event id"))
    .max(1)
    .transform((values) => values[0])
    .optional(),
  access_token: z.array(z.string()).max(1).optional(),
});
