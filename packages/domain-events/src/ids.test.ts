import { expect, test } from "vitest";
import { generateId, newEventId } from "./ids.js";

test("event ids are evt_<ULID> and sort in the order they were made, even within one millisecond", () => {
  const ids = Array.from({ length: 2000 }, newEventId);
  for (const id of ids) expect(id).toMatch(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
  expect([...ids].sort()).toEqual(ids);
  expect(new Set(ids).size).toBe(ids.length);
  expect(generateId("stl")).toMatch(/^stl_[0-9A-HJKMNP-TV-Z]{26}$/);
});
