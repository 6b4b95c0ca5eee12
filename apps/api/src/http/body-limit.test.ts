import type { AddressInfo } from "node:net";
import http from "node:http";
import { serve, type ServerType } from "@hono/node-server";
import { useTestDatabase } from "@org/test-harness";
import { afterAll, beforeAll, expect, test } from "vitest";
import { MAX_BODY_BYTES } from "../app.js";
import { buildTestApp, countEvents, TEST_KEYS } from "../test-support/test-app.js";

const database = useTestDatabase();
let server: ServerType;
let port: number;

beforeAll(async () => {
  const { app } = await buildTestApp(database.db);
  server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise((resolve) => server.once("listening", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** POSTs a settlement over real HTTP, with a Content-Length or chunked (the body in two writes). */
function post(body: string, framing: "content-length" | "chunked"): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { Authorization: `Bearer ${TEST_KEYS.tenantA}`, "Content-Type": "application/json", Connection: "close" };
    if (framing === "content-length") headers["Content-Length"] = Buffer.byteLength(body);
    const request = http.request({ host: "127.0.0.1", port, path: "/api/v1/settlements", method: "POST", headers }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (text += chunk));
      response.on("end", () => resolve({ status: response.statusCode!, body: JSON.parse(text) }));
    });
    // The server may answer 413 and close before the whole body is written.
    request.on("error", (error: NodeJS.ErrnoException) => (error.code === "EPIPE" || error.code === "ECONNRESET" ? undefined : reject(error)));
    const half = Math.floor(body.length / 2);
    request.write(body.slice(0, half));
    request.end(body.slice(half));
  });
}

const settlement = (padding: number) => JSON.stringify({ amount: "1.00", currency: "USD", ...(padding > 0 ? { pad: "x".repeat(padding) } : {}) });

test.each(["content-length", "chunked"] as const)("over real HTTP with %s: a body over the limit answers 413 and writes nothing; one under it is read", async (framing) => {
  const before = await countEvents(database.db);
  const tooLarge = await post(settlement(MAX_BODY_BYTES), framing);
  expect(tooLarge.status).toBe(413);
  expect(tooLarge.body.error).toMatchObject({ code: "payload_too_large", field: "body" });
  expect(await countEvents(database.db)).toBe(before);

  const created = await post(settlement(0), framing);
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ amount: "1.00", status: "pending" });
  // Under the size limit, but an unknown field: the body was read and validated.
  const padded = await post(settlement(MAX_BODY_BYTES - 100), framing);
  expect(padded.status).toBe(422);
  expect(padded.body.error.field).toBe("pad");
});
