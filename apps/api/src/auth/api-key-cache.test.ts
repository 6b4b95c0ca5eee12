import { useTestDatabase } from "@org/test-harness";
import { beforeAll, expect, test } from "vitest";
import { runApiMigrations } from "../db/migrations.js";
import { createApiKeyCache, resolveApiKeyCacheOptions } from "./api-key-cache.js";
import { hashApiKey, lookupApiKey, provisionApiKeys } from "./api-keys.js";

const database = useTestDatabase();
beforeAll(() => runApiMigrations(database.db));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The real lookup, counted. */
function countedLookup() {
  const counter = { calls: 0, lookup: (key: string) => (counter.calls++, lookupApiKey(database.db, key)) };
  return counter;
}

test("a key is looked up once per TTL, and lookups of one key at once share one query", async () => {
  await provisionApiKeys(database.db, [{ tenantId: "acme", key: "key-cached-000000001" }]);
  const counter = countedLookup();
  const cache = createApiKeyCache(counter.lookup, { ttlMs: 60_000 });
  const tenants = await Promise.all(Array.from({ length: 10 }, () => cache.tenantOf("key-cached-000000001")));
  expect(tenants).toEqual(Array(10).fill("acme"));
  for (let i = 0; i < 100; i += 1) expect(await cache.tenantOf("key-cached-000000001")).toBe("acme");
  expect(counter.calls).toBe(1);
});

test("a deleted key stops working once the TTL has passed; with TTL 0 at once", async () => {
  for (const ttlMs of [2_000, 0]) {
    const key = `key-deleted-${ttlMs}-00000`;
    await provisionApiKeys(database.db, [{ tenantId: "acme", key }]);
    const cache = createApiKeyCache((k) => lookupApiKey(database.db, k), { ttlMs });
    expect(await cache.tenantOf(key)).toBe("acme");
    await database.db.deleteFrom("api_keys").where("key_hash", "=", hashApiKey(key)).execute();
    if (ttlMs > 0) {
      expect(await cache.tenantOf(key)).toBe("acme"); // the documented bound: up to ttlMs
      await sleep(ttlMs + 50);
    }
    expect(await cache.tenantOf(key)).toBeUndefined();
  }
});

test("a cached key is refused at its own expiry, however long the TTL", async () => {
  await provisionApiKeys(database.db, [{ tenantId: "acme", key: "key-expiring-0000001", expiresAt: new Date(Date.now() + 2_000) }]);
  const cache = createApiKeyCache((k) => lookupApiKey(database.db, k), { ttlMs: 3_600_000 });
  expect(await cache.tenantOf("key-expiring-0000001")).toBe("acme");
  await sleep(2_050);
  expect(await cache.tenantOf("key-expiring-0000001")).toBeUndefined();
});

test("unknown keys are not remembered, and the cache holds at most maxEntries keys", async () => {
  await provisionApiKeys(database.db, [
    { tenantId: "a", key: "key-bounded-00000001" },
    { tenantId: "b", key: "key-bounded-00000002" },
    { tenantId: "c", key: "key-bounded-00000003" },
  ]);
  const counter = countedLookup();
  const cache = createApiKeyCache(counter.lookup, { ttlMs: 60_000, maxEntries: 2 });
  expect(await cache.tenantOf("key-unknown-00000000")).toBeUndefined();
  expect(await cache.tenantOf("key-unknown-00000000")).toBeUndefined();
  expect(counter.calls).toBe(2);
  for (const n of [1, 2, 3]) await cache.tenantOf(`key-bounded-0000000${n}`);
  expect(counter.calls).toBe(5);
  await cache.tenantOf("key-bounded-00000003"); // held
  await cache.tenantOf("key-bounded-00000002"); // held
  expect(counter.calls).toBe(5);
  expect(await cache.tenantOf("key-bounded-00000001")).toBe("a"); // forgotten, asked again
  expect(counter.calls).toBe(6);
});

test("resolveApiKeyCacheOptions: defaults, and bad values refused", () => {
  expect(resolveApiKeyCacheOptions()).toEqual({ ttlMs: 5_000, maxEntries: 10_000 });
  expect(() => resolveApiKeyCacheOptions({ ttlMs: -1 })).toThrow(/ttlMs/);
  expect(() => resolveApiKeyCacheOptions({ maxEntries: 0 })).toThrow(/maxEntries/);
});
