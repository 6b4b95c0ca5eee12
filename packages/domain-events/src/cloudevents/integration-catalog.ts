import type { z } from "zod";
import { EventsError, ValidationError } from "../errors.js";

/** One public event type: the version of its public schema and the fields it exposes. */
export interface IntegrationEntry {
  /** Version of the public data schema (independent of the domain payload's version). */
  version: number;
  /**
   * The public data: a zod object. Only the keys of its shape leave the
   * service, whatever the domain payload holds, so a field added to the
   * domain event stays internal until it is added here.
   */
  schema: z.ZodObject;
}

/**
 * Which domain events are public, and under which schema version. A domain
 * event type absent from it is internal: it is never mapped to a CloudEvent.
 */
export interface IntegrationCatalog {
  /** Every public event type. */
  readonly eventTypes: readonly string[];
  isPublic(eventType: string): boolean;
  /** The public schema version of `eventType`. Throws `not public`. */
  schemaVersion(eventType: string): number;
  /**
   * The public data of a payload: the keys of the entry's schema only,
   * validated by it. Throws `EventsError("invalid_argument")` when the type
   * is not public, ValidationError when the data does not match.
   */
  publicData(eventType: string, payload: unknown): Record<string, unknown>;
}

/**
 * Declares the public (integration) events.
 *
 * @example
 * const integration = defineIntegrationCatalog({
 *   "settlement.settled": { version: 1, schema: z.object({ settlementId: z.string(), txHash: z.string() }) },
 * });
 * integration.publicData("settlement.settled", { settlementId: "stl_1", txHash: "0xab", gasActual: "1" });
 * // { settlementId: "stl_1", txHash: "0xab" }: gasActual stays internal
 */
export function defineIntegrationCatalog(definition: Record<string, IntegrationEntry>): IntegrationCatalog {
  const entries = new Map<string, IntegrationEntry & { keys: string[] }>();
  for (const [eventType, entry] of Object.entries(definition)) {
    if (!Number.isInteger(entry?.version) || entry.version < 1) throw new ValidationError(`integration.${eventType}.version`, "must be a positive integer");
    const shape = (entry.schema as { shape?: unknown } | undefined)?.shape;
    if (typeof shape !== "object" || shape === null) throw new ValidationError(`integration.${eventType}.schema`, "must be a zod object schema");
    entries.set(eventType, { ...entry, keys: Object.keys(shape) });
  }
  const entryOf = (eventType: string) => {
    const entry = entries.get(eventType);
    if (!entry) throw new EventsError("invalid_argument", `eventType: "${eventType}" is not a public event type`);
    return entry;
  };
  return {
    eventTypes: [...entries.keys()],
    isPublic: (eventType) => entries.has(eventType),
    schemaVersion: (eventType) => entryOf(eventType).version,
    publicData(eventType, payload) {
      const entry = entryOf(eventType);
      const result = entry.schema.safeParse(payload);
      if (!result.success) {
        const issue = result.error.issues[0];
        const path = issue && issue.path.length > 0 ? `data.${issue.path.map(String).join(".")}` : "data";
        throw new ValidationError(path, issue?.message ?? "invalid data", { cause: result.error });
      }
      const parsed = result.data as Record<string, unknown>;
      // the shape's keys only, even from a loose or passthrough schema
      return Object.fromEntries(entry.keys.filter((key) => key in parsed).map((key) => [key, parsed[key]]));
    },
  };
}
