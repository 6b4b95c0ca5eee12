import { createHmac, timingSafeEqual } from "node:crypto";

/** Issues and checks the short-lived tokens that let an EventSource (which cannot send headers) open the stream. */
export interface StreamTokens {
  /** A signed token for `tenantId` that expires `ttlSeconds` from now. */
  issue(tenantId: string): { token: string; expiresAt: Date };
  /** The token's tenant, or undefined when it is forged, malformed or expired. */
  verify(token: string): string | undefined;
  readonly ttlSeconds: number;
}

/**
 * Tokens are `base64url(JSON {tenant, exp}).base64url(HMAC-SHA256)`: no
 * storage, and any instance with the same secret can check them.
 */
export function createStreamTokens(options: { secret: string; ttlSeconds: number; now?: () => number }): StreamTokens {
  const { secret, ttlSeconds, now = Date.now } = options;
  const sign = (body: string) => createHmac("sha256", secret).update(body).digest();

  return {
    ttlSeconds,
    issue(tenantId) {
      const expiresAt = new Date(now() + ttlSeconds * 1000);
      const body = Buffer.from(JSON.stringify({ tenant: tenantId, exp: expiresAt.getTime() })).toString("base64url");
      return { token: `${body}.${sign(body).toString("base64url")}`, expiresAt };
    },
    verify(token) {
      const [body, signature, extra] = token.split(".");
      if (!body || !signature || extra !== undefined) return undefined;
      const expected = sign(body);
      const given = Buffer.from(signature, "base64url");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      try {
        const claims = JSON.parse(Buffer.from(body, "base64url").toString()) as { tenant?: unknown; exp?: unknown };
        if (typeof claims.tenant !== "string" || typeof claims.exp !== "number" || claims.exp <= now()) return undefined;
        return claims.tenant;
      } catch {
        return undefined;
      }
    },
  };
}
