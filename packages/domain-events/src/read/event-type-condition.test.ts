import { EVENT_TYPES, INVALID_PATTERNS, MATCHING_CASES, useTestDatabase } from "@org/test-harness";
import { sql } from "kysely";
import { beforeAll, describe, expect, test } from "vitest";
import { ValidationError } from "../errors.js";
import { eventTypeCondition, typePatternParts } from "./event-type-condition.js";

/** The shared table of type pattern cases, run as SQL on real PostgreSQL. */
const database = useTestDatabase();

beforeAll(async () => {
  await sql`create table typed (position serial primary key, event_type text not null)`.execute(database.db);
  await database.db.insertInto("typed").values(EVENT_TYPES.map((event_type) => ({ event_type }))).execute();
});

const selected = async (patterns: readonly string[] | undefined) =>
  (await database.db.selectFrom("typed").select("event_type").where(eventTypeCondition(patterns)).orderBy("position").execute()).map((row) => row.event_type);

describe("eventTypeCondition on PostgreSQL", () => {
  test.each(MATCHING_CASES)("$pattern keeps exactly its types", async ({ pattern, matches }) => {
    expect(await selected([pattern])).toEqual(matches);
  });

  test("several patterns keep the union of their types; none keeps every type", async () => {
    const union = MATCHING_CASES.filter(({ pattern }) => pattern !== "*");
    const expected = EVENT_TYPES.filter((type) => union.some(({ matches }) => matches.includes(type)));
    expect(await selected(union.map(({ pattern }) => pattern))).toEqual(expected);
    expect(await selected([])).toEqual(EVENT_TYPES);
    expect(await selected(undefined)).toEqual(EVENT_TYPES);
  });

  test.each(INVALID_PATTERNS.map((pattern) => [pattern]))("refuses %j with a ValidationError naming types[i]", (pattern) => {
    expect(() => eventTypeCondition(["settlement.*", pattern])).toThrow(ValidationError);
    expect(() => eventTypeCondition(["settlement.*", pattern])).toThrow(expect.objectContaining({ field: "types[1]" }));
  });
});

test("typePatternParts splits patterns into exact names and prefixes, null when every event is kept, and refuses a bad pattern", () => {
  expect(typePatternParts(["settlement.*", "payment.refunded"])).toEqual({ exact: ["payment.refunded"], prefixes: ["settlement."] });
  expect(typePatternParts(undefined)).toBeNull();
  expect(typePatternParts([])).toBeNull();
  expect(typePatternParts(["payment.created", "*"])).toBeNull();
  expect(() => typePatternParts(["payment.created", "pay%"])).toThrow(/types\[1\]/);
});
