import fc from "fast-check";
import { expect, test } from "vitest";
import { assertEventTypePattern, matchesEventType } from "./type-pattern.js";

const segment = fc.stringMatching(/^[a-z_]{1,8}$/);
const eventType = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join("."));

test("a type matches itself, every prefix pattern of its own, and '*'", () => {
  fc.assert(
    fc.property(eventType, (type) => {
      expect(matchesEventType(type, type)).toBe(true);
      expect(matchesEventType("*", type)).toBe(true);
      const parts = type.split(".");
      for (let i = 1; i < parts.length; i++) expect(matchesEventType(`${parts.slice(0, i).join(".")}.*`, type)).toBe(true);
    }),
  );
});

test("a prefix pattern never matches a type that merely starts with the same letters", () => {
  fc.assert(
    fc.property(segment, segment, (prefix, rest) => {
      expect(matchesEventType(`${prefix}.*`, `${prefix}${rest}.created`)).toBe(false);
      expect(matchesEventType(`${prefix}.*`, prefix)).toBe(false);
    }),
  );
});

test("patterns are checked", () => {
  for (const good of ["*", "settlement.*", "settlement.status_changed", "a-b.c_d"]) expect(() => assertEventTypePattern(good)).not.toThrow();
  for (const bad of ["", "settlement.", ".x", "a.*.b", "a%", "a b", 42, "**"]) expect(() => assertEventTypePattern(bad)).toThrow();
});
