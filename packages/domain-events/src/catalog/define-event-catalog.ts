import type { z } from "zod";
import { UnknownEventTypeError, ValidationError } from "../errors.js";

/** A payload schema, optionally with the version of that schema (default 1). */
export type CatalogEntry = z.ZodType | { schema: z.ZodType; version: number };

/** Event types mapped to their payload schemas. */
export type CatalogDefinition = Record<string, CatalogEntry>;

type SchemaOf<E> = E extends { schema: infer S extends z.ZodType } ? S : E extends z.ZodType ? E : never;

/** The event types of a catalog definition. */
export type EventTypeIn<D extends CatalogDefinition> = keyof D & string;

/** The payload type of one event type, as its schema outputs it. */
export type PayloadIn<D extends CatalogDefinition, T extends EventTypeIn<D>> = z.output<SchemaOf<D[T]>>;

/**
 * A typed set of event types: the payload type of each is inferred from its
 * zod schema, and {@link EventCatalog.parse} validates it at run time.
 */
export interface EventCatalog<D extends CatalogDefinition = CatalogDefinition> {
  /** Every event type of the catalog. */
  readonly eventTypes: readonly EventTypeIn<D>[];
  /** Whether the catalog knows `eventType`. */
  has(eventType: string): eventType is EventTypeIn<D>;
  /** The schema version of `eventType`. Throws UnknownEventTypeError. */
  schemaVersion(eventType: string): number;
  /**
   * Validates `payload` against the schema of `eventType` and returns the
   * parsed payload. Throws UnknownEventTypeError, or ValidationError naming
   * the first offending field as `payload.<path>`.
   */
  parse<T extends EventTypeIn<D>>(eventType: T, payload: unknown): PayloadIn<D, T>;
}

/** The event types of a catalog. */
export type EventTypeOf<C> = C extends EventCatalog<infer D> ? EventTypeIn<D> : never;

/** The payload type of one event type of a catalog. */
export type PayloadOf<C, T extends EventTypeOf<C>> = C extends EventCatalog<infer D> ? PayloadIn<D, T & EventTypeIn<D>> : never;

/**
 * Defines a catalog of event types and their zod payload schemas.
 *
 * @example
 * const catalog = defineEventCatalog({
 *   "order.placed": z.object({ orderId: z.string(), total: z.string() }),
 *   "order.cancelled": { schema: z.object({ orderId: z.string() }), version: 2 },
 * });
 * const payload = catalog.parse("order.placed", { orderId: "o1", total: "9.90" });
 * //    ^? { orderId: string; total: string }
 */
export function defineEventCatalog<const D extends CatalogDefinition>(definition: D): EventCatalog<D> {
  const entries = new Map<string, { schema: z.ZodType; version: number }>();
  for (const [eventType, entry] of Object.entries(definition)) {
    const normalized = "schema" in entry && !("safeParse" in entry) ? entry : { schema: entry as z.ZodType, version: 1 };
    if (!Number.isInteger(normalized.version) || normalized.version < 1) {
      throw new ValidationError(`catalog.${eventType}.version`, "must be a positive integer");
    }
    entries.set(eventType, normalized);
  }

  const entryOf = (eventType: string) => {
    const entry = entries.get(eventType);
    if (!entry) throw new UnknownEventTypeError(eventType);
    return entry;
  };

  return {
    eventTypes: [...entries.keys()] as EventTypeIn<D>[],
    has: (eventType): eventType is EventTypeIn<D> => entries.has(eventType),
    schemaVersion: (eventType) => entryOf(eventType).version,
    parse(eventType, payload) {
      const result = entryOf(eventType).schema.safeParse(payload);
      if (result.success) return result.data as PayloadIn<D, typeof eventType>;
      const issue = result.error.issues[0];
      const path = issue && issue.path.length > 0 ? `payload.${issue.path.map(String).join(".")}` : "payload";
      throw new ValidationError(path, issue?.message ?? "invalid payload", { cause: result.error });
    },
  };
}
