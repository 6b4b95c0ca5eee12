import { Hono } from "hono";
import { describe, expect, test } from "vitest";
import { errorResponse } from "../http/error-response.js";
import { requireMetricsToken } from "./metrics-token.js";

function appWith(token: string | undefined) {
  const app = new Hono();
  app.get("/metrics", requireMetricsToken(token), (c) => c.text("figures"));
  app.onError((error, c) => errorResponse(error, c));
  return app;
}

describe("/metrics scrape token", () => {
  test("without METRICS_TOKEN the route is open", async () => {
    expect((await appWith(undefined).request("/metrics")).status).toBe(200);
  });

  test("with METRICS_TOKEN: 401 without it or with another, 200 with it", async () => {
    const app = appWith("scrape-token-0123456789");
    expect((await app.request("/metrics")).status).toBe(401);
    expect((await app.request("/metrics", { headers: { Authorization: "Bearer scrape-token-0123456788" } })).status).toBe(401);
    expect((await app.request("/metrics", { headers: { Authorization: "Bearer scrape-token" } })).status).toBe(401);
    expect((await app.request("/metrics", { headers: { Authorization: "Bearer scrape-token-0123456789" } })).status).toBe(200);
  });
});
