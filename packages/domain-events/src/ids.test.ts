import fc from "fast-check";
import { expect, test } from "vitest";
import { createUlidFactory, generateId, newEventId } from "./ids.js";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** A ULID's 130 bits as a BigInt: the reference decoding. */
const decode = (ulid: string) => [...ulid].reduce((value, char) => value * 32n + BigInt(ALPHABET.indexOf(char)), 0n);

test("event ids are evt_<ULID> and sort in the order they were made, even within one millisecond", () => {
  const ids = Array.from({ length: 2000 }, newEventId);
  for (const id of ids) expect(id).toMatch(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
  expect([...ids].sort()).toEqual(ids);
  expect(new Set(ids).size).toBe(ids.length);
  expect(generateId("stl")).toMatch(/^stl_[0-9A-HJKMNP-TV-Z]{26}$/);
});

test("a ULID holds the time in its first 48 bits and the random bytes, unchanged, in the other 80", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.uint8Array({ minLength: 4096, maxLength: 4096 }), (time, bytes) => {
      const ulid = createUlidFactory(
        () => time,
        (pool) => pool.set(bytes),
      )();
      const value = decode(ulid);
      expect(value >> 80n).toBe(BigInt(time));
      const random = bytes.subarray(0, 10).reduce((sum, byte) => sum * 256n + BigInt(byte), 0n);
      expect(value & ((1n << 80n) - 1n)).toBe(random);
    }),
  );
});

test("ids stay strictly increasing whatever the clock does, and the random part carries into the time when it overflows", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 2, maxLength: 300 }), fc.boolean(), (clock, allOnes) => {
      let tick = 0;
      const next = createUlidFactory(
        () => clock[tick++ % clock.length]!,
        // All ones: the second id of a millisecond overflows the random part.
        (pool) => pool.fill(allOnes ? 0xff : 0x7f),
      );
      const values = clock.map(() => decode(next()));
      for (let i = 1; i < values.length; i += 1) expect(values[i]! > values[i - 1]!).toBe(true);
    }),
  );
});

test("the system's random generator is called once per pool of ids, not once per id", () => {
  let calls = 0;
  const next = createUlidFactory(Date.now, (pool) => {
    calls += 1;
    globalThis.crypto.getRandomValues(pool);
  });
  for (let i = 0; i < 1000; i += 1) next();
  expect(calls).toBeLessThanOrEqual(3);
});
