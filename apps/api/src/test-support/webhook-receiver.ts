import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "vitest";
import type { TestClient } from "./test-app.js";

/** One request a receiver got. */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  /** performance.now() when the body was complete. */
  at: number;
}

/** What a receiver does with its n-th request (0-based): answer a status, or never answer. */
export type Behaviour = (n: number, request: ReceivedWebhook) => number | "hang";

/**
 * A real HTTP server on 127.0.0.1 (port 0) that records every webhook it
 * gets and answers as `behaviour` says. `close()` ends hung requests too.
 */
export async function startReceiver(behaviour: Behaviour = () => 204) {
  const received: ReceivedWebhook[] = [];
  const hung = new Set<ServerResponse>();
  let current = behaviour;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request = { headers: req.headers, body: Buffer.concat(chunks).toString(), at: performance.now() };
      const answer = current(received.length, request);
      received.push(request);
      if (answer === "hang") {
        hung.add(res);
        return;
      }
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    received,
    /** Changes how later requests are answered. */
    behave(next: Behaviour) {
      current = next;
    },
    async close() {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** Resolves once `predicate` holds, checking every 10 ms; rejects after `timeoutMs`. */
export async function waitUntil(predicate: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Registers a webhook endpoint through the API (201 expected) and returns the answer, secret included. */
export async function registerWebhook(client: TestClient, url: string, types: string[]): Promise<{ id: string; url: string; types: string[]; secret: string }> {
  const response = await client("POST", "/api/v1/webhooks", { url, types });
  expect(response.status).toBe(201);
  return response.body;
}
