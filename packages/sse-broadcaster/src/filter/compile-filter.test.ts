import { EVENT_TYPES, INVALID_PATTERNS, MATCHING_CASES } from "@org/test-harness";
import { describe, expect, it } from "vitest";
import { SSEError } from "../errors.js";
import { compileFilter } from "./compile-filter.js";

const event = (eventType: string, extra: { tenantId?: string | null; aggregateId?: string } = {}) => ({
  id: "e",
  eventType,
  ...extra,
});

describe("compileFilter", () => {
  it("matches exact types, prefix.* patterns and *", () => {
    const f = compileFilter({ types: ["payment.created", "settlement.*"] });
    expect(f.matches(event("payment.created"))).toBe(true);
    expect(f.matches(event("payment.refunded"))).toBe(false);
    expect(f.matches(event("settlement.status_changed"))).toBe(true);
    expect(f.matches(event("settlements.other"))).toBe(false);
    expect(f.matches(event("settlement"))).toBe(false);
    expect(compileFilter({ types: ["*"] }).matches(event("anything"))).toBe(true);
  });

  it("delivers only the tenant's events to a tenant-scoped client, never tenant-less ones", () => {
    const f = compileFilter({ tenantId: "t1" });
    expect(f.matches(event("x", { tenantId: "t1" }))).toBe(true);
    expect(f.matches(event("x", { tenantId: "t2" }))).toBe(false);
    expect(f.matches(event("x"))).toBe(false);
    expect(f.matches(event("x", { tenantId: null }))).toBe(false);
  });

  it("combines criteria with AND and list entries with OR", () => {
    const f = compileFilter({ tenantId: "t1", types: ["settlement.*"], aggregateIds: ["s1", "s2"] });
    expect(f.matches(event("settlement.created", { tenantId: "t1", aggregateId: "s2" }))).toBe(true);
    expect(f.matches(event("settlement.created", { tenantId: "t1", aggregateId: "s3" }))).toBe(false);
    expect(f.matches(event("payment.created", { tenantId: "t1", aggregateId: "s1" }))).toBe(false);
  });

  it("labels filters canonically for stats", () => {
    expect(compileFilter(undefined).label).toBe("*");
    expect(compileFilter({ types: [] }).label).toBe("*");
    expect(compileFilter({ types: ["b.*", "a"], tenantId: "t" }).label).toBe("tenant=t types=a,b.*");
  });

  it.each(["a*", "*.x", "a.*.b", "", ".*"])("refuses the pattern %j", (pattern) => {
    expect(() => compileFilter({ types: [pattern] })).toThrow(expect.objectContaining({ code: "invalid_filter" }));
  });
});

describe("compileFilter and the shared table of type pattern cases", () => {
  it.each(MATCHING_CASES)("types: [$pattern] lets exactly its types through", ({ pattern, matches }) => {
    const f = compileFilter({ types: [pattern] });
    expect(EVENT_TYPES.filter((type) => f.matches(event(type)))).toEqual(matches);
  });

  it.each(INVALID_PATTERNS.map((pattern) => [pattern]))("refuses %j with SSEError invalid_filter", (pattern) => {
    expect(() => compileFilter({ types: ["settlement.*", pattern] })).toThrow(SSEError);
    expect(() => compileFilter({ types: ["settlement.*", pattern] })).toThrow(expect.objectContaining({ code: "invalid_filter" }));
  });
});
