import { SSEError } from "../errors.js";
import type { BroadcastEvent, SSEFilter } from "./filter.js";

/** A filter turned into a fast predicate plus a stable label for stats. */
export interface CompiledFilter {
  /** True when the event may be delivered to the client. */
  matches(event: BroadcastEvent): boolean;
  /** Canonical text of the filter (`*` when it accepts everything). */
  readonly label: string;
}

const MATCH_ALL: CompiledFilter = { matches: () => true, label: "*" };

/**
 * Validates and compiles a filter once per client so that `broadcast` pays
 * only set lookups per client. Throws `SSEError("invalid_filter")` for a type
 * pattern outside the grammar: `*`, an event type, or an event type and `.*`
 * (see docs/DESIGN.md, "Event type patterns").
 *
 * @example
 * ```ts
 * const f = compileFilter({ types: ["settlement.*"], tenantId: "t1" });
 * f.matches({ id: "e1", eventType: "settlement.created", tenantId: "t1" }); // true
 * f.label; // "tenant=t1 types=settlement.*"
 * ```
 */
export function compileFilter(filter: SSEFilter | undefined): CompiledFilter {
  if (filter === undefined) return MATCH_ALL;
  const tenantId = filter.tenantId;
  if (tenantId !== undefined && typeof tenantId !== "string") {
    throw new SSEError("invalid_filter", "filter.tenantId must be a string");
  }
  const types = compileTypes(filter.types ?? []);
  const aggregates = filter.aggregateIds?.length ? new Set(filter.aggregateIds) : undefined;
  if (tenantId === undefined && types === undefined && aggregates === undefined) return MATCH_ALL;

  const label = [
    tenantId !== undefined ? `tenant=${tenantId}` : "",
    filter.types?.length ? `types=${[...new Set(filter.types)].sort().join(",")}` : "",
    aggregates ? `aggregates=${[...aggregates].sort().join(",")}` : "",
  ]
    .filter(Boolean)
    .join(" ");

  return {
    label,
    matches(event) {
      // Tenant first: it is the isolation boundary, checked before anything else.
      if (tenantId !== undefined && event.tenantId !== tenantId) return false;
      if (aggregates !== undefined && (event.aggregateId == null || !aggregates.has(event.aggregateId))) return false;
      return types === undefined || types(event.eventType);
    },
  };
}

/**
 * The event type pattern grammar of docs/DESIGN.md ("Event type patterns"),
 * the same as `@org/events` (this package has no run-time dependency on it):
 * `*`, a type of dot-separated segments of letters, digits, `_` and `-`, or
 * such a type followed by `.*`.
 */
const TYPE_PATTERN = /^(\*|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(\.\*)?)$/;

function compileTypes(patterns: readonly string[]): ((type: string) => boolean) | undefined {
  if (patterns.length === 0) return undefined;
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const pattern of patterns) {
    if (typeof pattern !== "string" || !TYPE_PATTERN.test(pattern)) {
      throw new SSEError("invalid_filter", `type pattern ${JSON.stringify(pattern)} is not an event type, "prefix.*" or "*"`);
    }
    if (pattern === "*") return undefined;
    if (pattern.endsWith(".*")) prefixes.push(pattern.slice(0, -1)); // keep the dot: "settlement." never matches "settlements.x"
    else exact.add(pattern);
  }
  if (prefixes.length === 0) return (type) => exact.has(type);
  return (type) => exact.has(type) || prefixes.some((prefix) => type.startsWith(prefix));
}
