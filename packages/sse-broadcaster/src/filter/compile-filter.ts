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
 * pattern with `*` anywhere but a trailing `.*`, or `*` alone.
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

function compileTypes(patterns: readonly string[]): ((type: string) => boolean) | undefined {
  if (patterns.length === 0) return undefined;
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const pattern of patterns) {
    if (typeof pattern !== "string" || pattern === "") {
      throw new SSEError("invalid_filter", "a type pattern must be a non-empty string");
    }
    if (pattern === "*") return undefined;
    const star = pattern.indexOf("*");
    if (star === -1) exact.add(pattern);
    else if (star === pattern.length - 1 && pattern.endsWith(".*") && pattern.length > 2) {
      prefixes.push(pattern.slice(0, -1)); // keep the dot: "settlement." never matches "settlements.x"
    } else {
      throw new SSEError(
        "invalid_filter",
        `type pattern ${JSON.stringify(pattern)} is not an exact type, "prefix.*" or "*"`,
      );
    }
  }
  if (prefixes.length === 0) return (type) => exact.has(type);
  return (type) => exact.has(type) || prefixes.some((prefix) => type.startsWith(prefix));
}
