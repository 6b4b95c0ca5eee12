import { createHash, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { AppError } from "../errors.js";
import type { AppEnv } from "../http/env.js";

/** The routes the admin key may use: operating the outbox (dead letters, outbox stats), for every tenant. */
export const ADMIN_PATH_PREFIXES = ["/api/v1/dead-letters", "/api/v1/outbox/"] as const;

/** Whether `path` is one of the routes the admin key may use. */
export const isAdminPath = (path: string) => ADMIN_PATH_PREFIXES.some((prefix) => path === prefix || path.startsWith(prefix.endsWith("/") ? prefix : `${prefix}/`));

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * Recognises the admin key (`ADMIN_API_KEY`): compares sha256 digests with
 * `timingSafeEqual`, so the timing says nothing about a guessed key. Without
 * a configured key nothing is the admin key.
 */
export function adminKeyMatcher(adminKey: string | undefined): (key: string) => boolean {
  if (adminKey === undefined) return () => false;
  const expected = digest(adminKey);
  return (key) => timingSafeEqual(digest(key), expected);
}

/**
 * The tenant an operations route is scoped to: the credential's tenant, or
 * undefined (every tenant) for the admin key.
 */
export function tenantScope(c: Context<AppEnv>): string | undefined {
  return c.get("admin") ? undefined : c.get("tenantId");
}

/** The admin key on a route it may not use: tenant routes need a tenant's key. */
export const adminKeyRefused = (path: string) =>
  new AppError("forbidden", `the admin key operates the outbox only (${ADMIN_PATH_PREFIXES.join(", ")}); ${path} needs a tenant's API key`);
