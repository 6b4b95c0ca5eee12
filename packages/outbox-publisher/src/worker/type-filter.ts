import { assertEventTypePattern } from "@org/events";
import { sql, type RawBuilder, type SqlBool } from "kysely";

/** SQL that keeps events whose type matches one of `patterns` (all when empty). */
export function typeFilter(patterns: readonly string[] | undefined, column = "event_type"): RawBuilder<SqlBool> {
  if (!patterns || patterns.length === 0 || patterns.includes("*")) return sql<SqlBool>`true`;
  patterns.forEach((pattern, i) => assertEventTypePattern(pattern, `types[${i}]`));
  const conditions = patterns.map((pattern) =>
    pattern.endsWith(".*") ? sql`starts_with(${sql.ref(column)}, ${pattern.slice(0, -1)})` : sql`${sql.ref(column)} = ${pattern}`,
  );
  return sql<SqlBool>`(${sql.join(conditions, sql` or `)})`;
}
