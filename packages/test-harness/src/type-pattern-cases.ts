/**
 * The one table of event type pattern cases that every implementation of the
 * grammar runs: the in-memory bus (`@org/events` subscribe), the SQL
 * condition (`eventTypeCondition`, on real PostgreSQL) and the SSE
 * broadcaster's filter (`compileFilter`). The grammar is written down in
 * docs/DESIGN.md ("Event type patterns"):
 *
 *   pattern = "*" | type | type ".*"
 *   type    = segment *( "." segment )
 *   segment = 1*( letter / digit / "_" / "-" )
 *
 * `*` matches every type; a type matches itself only (case-sensitive);
 * `prefix.*` matches every type that starts with `prefix.` (one or more
 * segments deeper), never `prefix` itself nor `prefixes.x`.
 */

/** Event types the cases are matched against (each is a valid type). */
export const EVENT_TYPES = [
  "settlement",
  "settlement.created",
  "settlement.status_changed",
  "settlement.fee.charged",
  "settlements.created",
  "Settlement.created",
  "payment.created",
  "payment-v2.created",
  "a",
  "a.b",
  "a.b.c",
  "x_1.y-2",
] as const;

/** Each valid pattern with the event types of {@link EVENT_TYPES} it matches, in that order. */
export const MATCHING_CASES: readonly { pattern: string; matches: readonly string[] }[] = [
  { pattern: "*", matches: EVENT_TYPES },
  { pattern: "settlement.created", matches: ["settlement.created"] },
  { pattern: "settlement", matches: ["settlement"] },
  { pattern: "settlement.*", matches: ["settlement.created", "settlement.status_changed", "settlement.fee.charged"] },
  { pattern: "settlement.fee.*", matches: ["settlement.fee.charged"] },
  { pattern: "settlements.*", matches: ["settlements.created"] },
  { pattern: "Settlement.*", matches: ["Settlement.created"] },
  { pattern: "payment.*", matches: ["payment.created"] },
  { pattern: "payment-v2.*", matches: ["payment-v2.created"] },
  { pattern: "a.*", matches: ["a.b", "a.b.c"] },
  { pattern: "a.b.*", matches: ["a.b.c"] },
  { pattern: "a.b.c.*", matches: [] },
  { pattern: "x_1.*", matches: ["x_1.y-2"] },
  { pattern: "x_1.y-2", matches: ["x_1.y-2"] },
  { pattern: "nothing.here", matches: [] },
];

/** Text that is not a pattern: every implementation refuses it with its package's typed error. */
export const INVALID_PATTERNS: readonly string[] = [
  "",
  ".",
  "**",
  "*.*",
  "*.created",
  "settlement*",
  "settlement.",
  ".created",
  "settlement..created",
  "settlement.*.created",
  "settlement.**",
  "settle%",
  "settlement created",
  " settlement.created",
  "settlement.created ",
  "settlement.cre*ted",
  "settlement/created",
  "é.created",
];
