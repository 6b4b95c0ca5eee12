import { sql, type RawBuilder, type SqlBool } from "kysely";
import { assertEventTypePattern } from "./type-pattern.js";

/**
 * SQL that keeps events whose type matches one of `patterns` (exact,
 * `prefix.*`, `*`; every event when there is none). Checks each pattern
 * first and throws ValidationError naming `types[i]`.
 *
 * @example
 * db.selectFrom("domain_events").selectAll().where(eventTypeCondition(["settlement.*", "payment.refunded"]))
 */
export function eventTypeCondition(patterns: readonly string[] | undefined, column = "event_type"): RawBuilder<SqlBool> {
  if (!patterns || patterns.length === 0) return sql<SqlBool>`true`;
  patterns.forEach((pattern, i) => assertEventTypePattern(pattern, `types[${i}]`));
  if (patterns.includes("*")) return sql<SqlBool>`true`;
  const conditions = patterns.map((pattern) =>
    pattern.endsWith(".*") ? sql`starts_with(${sql.ref(column)}, ${pattern.slice(0, -1)})` : sql`${sql.ref(column)} = ${pattern}`,
  );
  return sql<SqlBool>`(${sql.join(conditions, sql` or `)})`;
}
