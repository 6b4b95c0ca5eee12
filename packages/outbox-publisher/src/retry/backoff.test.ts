import { describe, expect, test } from "vitest";
import { backoffDelay, resolveRetryPolicy } from "./backoff.js";
import { seededRandom } from "../test-support/seeded-random.js";

describe("the retry policy is resolved once and contradictions throw", () => {
  test("the retry defaults: 1 s, x2, capped at 60 s, 5 attempts", () => {
    const policy = resolveRetryPolicy({ jitter: 0 });
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((attempts) => backoffDelay(policy, attempts))).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
    expect(resolveRetryPolicy()).toMatchObject({ initialDelayMs: 1000, multiplier: 2, maxDelayMs: 60_000, maxAttempts: 5, jitter: 0.5 });
  });

  test("jitter takes up to its share off each delay, reproducibly with a seeded source", () => {
    const delays = (seed: number) => {
      const policy = resolveRetryPolicy({ jitter: 0.5, random: seededRandom(seed) });
      return Array.from({ length: 50 }, () => backoffDelay(policy, 3));
    };
    expect(delays(7)).toEqual(delays(7));
    expect(delays(7)).not.toEqual(delays(8));
    expect(delays(7).every((d) => d >= 2000 && d <= 4000)).toBe(true);
  });

  test("invalid or contradictory retry options throw invalid_options", () => {
    expect(() => resolveRetryPolicy({ initialDelayMs: 5000, maxDelayMs: 1000 })).toThrow(expect.objectContaining({ code: "invalid_options" }));
    expect(() => resolveRetryPolicy({ jitter: 2 })).toThrow(/jitter/);
    expect(() => resolveRetryPolicy({ maxAttempts: 0 })).toThrow(/maxAttempts/);
  });
});
