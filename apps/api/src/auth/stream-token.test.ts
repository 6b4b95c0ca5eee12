import { useTestDatabase } from "@org/test-harness";
import { describe, expect, test } from "vitest";
import { buildTestApp } from "../test-support/test-app.js";
import { createStreamTokens } from "./stream-token.js";

function clock(start: number) {
  const time = { now: start };
  return { time, now: () => time.now };
}

describe("stream tokens", () => {
  test("verify within the lifetime, refuse from the moment it expires", () => {
    const { time, now } = clock(1_000_000);
    const tokens = createStreamTokens({ secret: "a-secret-of-16-chars", ttlSeconds: 60, now });
    const { token, expiresAt } = tokens.issue("acme");
    expect(expiresAt.getTime()).toBe(1_060_000);
    time.now = 1_059_999;
    expect(tokens.verify(token)).toBe("acme");
    time.now = 1_060_000;
    expect(tokens.verify(token)).toBeUndefined();
  });

  test("refuse forged, altered and malformed tokens", () => {
    const tokens = createStreamTokens({ secret: "a-secret-of-16-chars", ttlSeconds: 60 });
    const other = createStreamTokens({ secret: "another-secret-16ch", ttlSeconds: 60 });
    const { token } = tokens.issue("acme");
    const [body, signature] = token.split(".") as [string, string];
    const otherTenant = Buffer.from(JSON.stringify({ tenant: "evil", exp: Date.now() + 60_000 })).toString("base64url");
    for (const bad of [other.issue("acme").token, `${otherTenant}.${signature}`, body, `${token}.x`, "", "..", `${body}.`]) {
      expect(tokens.verify(bad), bad).toBeUndefined();
    }
  });
});

const database = useTestDatabase();

describe("stream authentication", () => {
  test("an expired token is refused with 401; a fresh one opens the stream", async () => {
    const { time, now } = clock(Date.now());
    const tokens = createStreamTokens({ secret: "a-secret-of-16-chars", ttlSeconds: 30, now });
    const { app } = await buildTestApp(database.db, tokens);
    const { token } = tokens.issue("tenant-a");
    time.now += 30_000;
    const expired = await app.request(`/api/v1/events/stream?access_token=${token}`);
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    const cookie = await app.request("/api/v1/events/stream", { headers: { Cookie: `stream_token=${token}` } });
    expect(cookie.status).toBe(401);

    const fresh = await app.request(`/api/v1/events/stream?access_token=${tokens.issue("tenant-a").token}`);
    expect(fresh.status).toBe(200);
    await fresh.body?.cancel();
  });
});
