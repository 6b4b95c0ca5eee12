import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { AppError } from "../errors.js";
import type { AppEnv } from "../http/env.js";
import type { ApiKeyCache } from "./api-key-cache.js";
import type { StreamTokens } from "./stream-token.js";

/** The cookie that carries the stream token for same-origin EventSources. */
export const STREAM_TOKEN_COOKIE = "stream_token";

function bearerOf(c: Context): string | undefined {
  const header = c.req.header("authorization");
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new AppError("unauthorized", "Authorization must be `Bearer <api key>`");
  return match[1];
}

async function tenantOfKey(keys: ApiKeyCache, key: string): Promise<string> {
  const tenantId = await keys.tenantOf(key);
  if (tenantId === undefined) throw new AppError("unauthorized", "unknown API key");
  return tenantId;
}

/**
 * Requires `Authorization: Bearer <api key>` and sets the key's tenant on
 * the context, or `admin` for the admin key (`isAdmin`; which routes accept
 * it is the app's concern).
 */
export function requireApiKey(keys: ApiKeyCache, isAdmin: (key: string) => boolean = () => false): MiddlewareHandler<AppEnv> {
  return async function apiKeyAuth(c, next) {
    const key = bearerOf(c);
    if (key === undefined) throw new AppError("unauthorized", "missing `Authorization: Bearer <api key>`");
    if (isAdmin(key)) c.set("admin", true);
    else c.set("tenantId", await tenantOfKey(keys, key));
    await next();
  };
}

/**
 * Authenticates the event stream with, in order: the Bearer API key, the
 * stream-token cookie, or `?access_token=` (cross-origin clients). The
 * tenant always comes from the credential.
 */
export function requireStreamCredential(keys: ApiKeyCache, tokens: StreamTokens): MiddlewareHandler<AppEnv> {
  return async function streamAuth(c, next) {
    const key = bearerOf(c);
    if (key !== undefined) {
      c.set("tenantId", await tenantOfKey(keys, key));
      return next();
    }
    const candidates = [getCookie(c, STREAM_TOKEN_COOKIE), c.req.query("access_token")].filter((token) => token !== undefined);
    if (candidates.length === 0) throw new AppError("unauthorized", "the stream needs a Bearer API key, the stream_token cookie or ?access_token=");
    // A stale cookie must not hide a fresh ?access_token=, so any valid one will do.
    const tenantId = candidates.map((token) => tokens.verify(token)).find((tenant) => tenant !== undefined);
    if (tenantId === undefined) throw new AppError("unauthorized", "the stream token is invalid or expired; get a new one from POST /api/v1/events/token");
    c.set("tenantId", tenantId);
    return next();
  };
}
