import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { reconnectDelay } from "./backoff.js";
import { RecentIds } from "./recent-ids.js";

describe("reconnectDelay", () => {
  const input = fc.record({
    attempt: fc.integer({ min: 0, max: 200 }),
    initialMs: fc.integer({ min: 0, max: 10_000 }),
    maxMs: fc.integer({ min: 0, max: 120_000 }),
    serverRetryMs: fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: undefined }),
    random: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  });

  test("full jitter: a draw in [floor, floor + min(cap, base·2^attempt)), the floor being the server's retry", () => {
    fc.assert(
      fc.property(input, (i) => {
        const base = i.serverRetryMs ?? i.initialMs;
        const floor = i.serverRetryMs ?? 0;
        const window = Math.min(Math.max(i.maxMs, base), base * 2 ** i.attempt);
        const delay = reconnectDelay(i);
        expect(delay).toBeGreaterThanOrEqual(floor);
        expect(delay).toBeLessThanOrEqual(floor + window);
        if (window > 0) expect(delay).toBeLessThan(floor + window);
      }),
    );
  });

  test("the window doubles per attempt up to the cap, and random 0 retries at once without a server retry", () => {
    const at = (attempt: number, random: number) => reconnectDelay({ attempt, initialMs: 1000, maxMs: 30_000, serverRetryMs: undefined, random });
    expect([0, 1, 2, 3, 4, 5, 6].map((attempt) => at(attempt, 0.999_999))).toEqual([999, 1999, 3999, 7999, 15_999, 29_999, 29_999]);
    expect(at(3, 0)).toBe(0);
    // A server retry larger than the cap still wins.
    expect(reconnectDelay({ attempt: 9, initialMs: 1000, maxMs: 5000, serverRetryMs: 8000, random: 0.5 })).toBe(12_000);
  });
});

describe("RecentIds", () => {
  test("an id is a duplicate exactly when it is among the last `capacity` distinct ids", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8 }), fc.array(fc.integer({ min: 0, max: 12 }).map(String), { maxLength: 80 }), (capacity, ids) => {
        const recent = new RecentIds(capacity);
        const model: string[] = [];
        for (const id of ids) {
          expect(recent.seen(id)).toBe(model.includes(id));
          if (!model.includes(id) && capacity > 0) {
            model.push(id);
            if (model.length > capacity) model.shift();
          }
        }
      }),
    );
  });
});
