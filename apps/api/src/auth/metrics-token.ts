import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { AppError } from "../errors.js";
import type { AppEnv } from "../http/env.js";

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * Guards `/metrics` with a shared scrape token when one is configured
 * (compared in constant time, through digests of equal length); without
 * one the route is open.
 */
export function requireMetricsToken(token: string | undefined): MiddlewareHandler<AppEnv> {
  const expected = token === undefined ? undefined : digest(token);
  return async function metricsAuth(c, next) {
    if (expected) {
      const given = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1];
      if (given === undefined || !timingSafeEqual(digest(given), expected)) throw new AppError("unauthorized", "GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`");
    }
    await next();
  };
}
