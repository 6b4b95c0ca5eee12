import { describe, expect, test } from "vitest";
import { createRateLimiter } from "./rate-limit.js";

describe("per-credential rate limit", () => {
  test("perMinute requests pass, the next waits for the end of its window, other keys are unaffected", () => {
    const time = { now: 1_000_000 };
    const limiter = createRateLimiter({ perMinute: 3, now: () => time.now });
    expect([limiter.take("a"), limiter.take("a"), limiter.take("a")]).toEqual([undefined, undefined, undefined]);
    time.now += 20_000;
    expect(limiter.take("a")).toBe(40);
    expect(limiter.take("b")).toBeUndefined();
    time.now += 40_000;
    expect(limiter.take("a")).toBeUndefined();
  });

  test("0 turns it off", () => {
    const limiter = createRateLimiter({ perMinute: 0 });
    for (let i = 0; i < 10_000; i++) expect(limiter.take("a")).toBeUndefined();
  });
});
