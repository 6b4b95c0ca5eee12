import { describe, expect, test } from "vitest";
import { loadConfig } from "./config.js";

describe("configuration", () => {
  test("defaults: port 3000, PGlite in .data/api, no keys, 30 s heartbeats", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, DATA_DIR: ".data/api", API_KEYS: [], SSE_HEARTBEAT_MS: 30_000 });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  test("limits: 20 streams per tenant and 1200 requests per key per minute by default; RATE_LIMIT_PER_MINUTE=0 turns it off", () => {
    expect(loadConfig({})).toMatchObject({ SSE_MAX_CLIENTS_PER_TENANT: 20, RATE_LIMIT_PER_MINUTE: 1_200 });
    expect(loadConfig({ RATE_LIMIT_PER_MINUTE: "0" }).RATE_LIMIT_PER_MINUTE).toBe(0);
    expect(() => loadConfig({ SSE_MAX_CLIENTS_PER_TENANT: "0" })).toThrow(/SSE_MAX_CLIENTS_PER_TENANT/);
  });

  test("API_KEYS gives each tenant its keys", () => {
    expect(loadConfig({ API_KEYS: "tenantA:keyA-12345, tenantB:keyB-67890" }).API_KEYS).toEqual([
      { tenantId: "tenantA", key: "keyA-12345" },
      { tenantId: "tenantB", key: "keyB-67890" },
    ]);
  });

  test("ADMIN_API_KEY: optional, 16+ characters, never one of the tenant keys", () => {
    expect(loadConfig({}).ADMIN_API_KEY).toBeUndefined();
    expect(loadConfig({ ADMIN_API_KEY: "admin-key-0123456789" }).ADMIN_API_KEY).toBe("admin-key-0123456789");
    expect(() => loadConfig({ ADMIN_API_KEY: "short" })).toThrow(/ADMIN_API_KEY/);
    expect(() => loadConfig({ ADMIN_API_KEY: "shared-key-0123456789", API_KEYS: "acme:shared-key-0123456789" })).toThrow(/ADMIN_API_KEY: must differ/);
  });

  test("every bad variable is named in one error", () => {
    expect(() => loadConfig({ PORT: "http", API_KEYS: "no-colon", DATABASE_URL: "mysql://x" })).toThrow(/PORT[\s\S]*DATABASE_URL[\s\S]*API_KEYS/);
  });

  test("REDIS_URL: a redis:// URL, only with DATABASE_URL; REDIS_KEY_PREFIX defaults to events", () => {
    const database = { DATABASE_URL: "postgres://postgres@127.0.0.1:5432/app" };
    expect(loadConfig({ ...database, REDIS_URL: "redis://127.0.0.1:6379" })).toMatchObject({ REDIS_URL: "redis://127.0.0.1:6379", REDIS_KEY_PREFIX: "events" });
    expect(loadConfig(database).REDIS_URL).toBeUndefined();
    expect(() => loadConfig({ ...database, REDIS_URL: "http://127.0.0.1:6379" })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ ...database, REDIS_URL: "redis://127.0.0.1:6379", REDIS_KEY_PREFIX: "a{b}" })).toThrow(/REDIS_KEY_PREFIX/);
    expect(() => loadConfig({ REDIS_URL: "redis://127.0.0.1:6379" })).toThrow(/REDIS_URL: needs DATABASE_URL/);
  });
});
