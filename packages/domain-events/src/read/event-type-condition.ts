import { sql, type RawBuilder, type SqlBool } from "kysely";
import { assertEventTypePattern } from "./type-pattern.js";

/**
 * Type patterns split into exact names and prefixes (`payment.` for
 * `payment.*`), or null when they keep every event (none, or `*`). Checks
 * each pattern first and throws ValidationError naming `types[i]`.
 *
 * @example
 * typePatternParts(["settlement.*", "payment.refunded"]); // { exact: ["payment.refunded"], prefixes: ["settlement."] }
 */
export function typePatternParts(patterns: readonly string[] | undefined): { exact: string[]; prefixes: string[] } | null {
  if (!patterns || patterns.length === 0) return null;
  patterns.forEach((pattern, i) => assertEventTypePattern(pattern, `types[${i}]`));
  if (patterns.includes("*")) return null;
  return {
    exact: patterns.filter((pattern) => !pattern.endsWith(".*")),
    prefixes: patterns.filter((pattern) => pattern.endsWith(".*")).map((pattern) => pattern.slice(0, -1)),
  };
}

/**
 * SQL that keeps events whose type matches one of `patterns` (exact,
 * `prefix.*`, `*`; every event when there is none). Checks each pattern
 * first and throws ValidationError naming `types[i]`.
 *
 * @example
 * db.selectFrom("domain_events").selectAll().where(eventTypeCondition(["settlement.*", "payment.refunded"]))
 */
export function eventTypeCondition(patterns: readonly string[] | undefined, column = "event_type"): RawBuilder<SqlBool> {
  const parts = typePatternParts(patterns);
  if (parts === null) return sql<SqlBool>`true`;
  const conditions = [
    ...parts.exact.map((name) => sql`${sql.ref(column)} = ${name}`),
    ...parts.prefixes.map((prefix) => sql`starts_with(${sql.ref(column)}, ${prefix})`),
  ];
  return sql<SqlBool>`(${sql.join(conditions, sql` or `)})`;
}
