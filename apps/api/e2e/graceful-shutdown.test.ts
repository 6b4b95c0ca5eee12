import http from "node:http";
import { useTestDatabase } from "@org/test-harness";
import { afterAll, expect, test } from "vitest";
import { spawnServer, type ServerProcess } from "./support/spawn-server.js";

const database = useTestDatabase();
const servers: ServerProcess[] = [];
afterAll(() => Promise.all(servers.map((server) => server.stop("SIGKILL"))));

/**
 * A browser keeps its connections alive: one that is busy with a request
 * when the shutdown starts, and idle from then on, must not hold the
 * shutdown open (idle connections are closed when the shutdown starts,
 * not later).
 */
test("SIGTERM while a keep-alive client's request is still arriving: its connection is closed after the answer, and the service exits 0 though the client goes on polling", { timeout: 60_000 }, async () => {
  const server = await spawnServer({ DATABASE_URL: database.url, API_KEYS: "acme:key-shutdown-0000001", SHUTDOWN_TIMEOUT_MS: "20000" });
  servers.push(server);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const body = JSON.stringify({ amount: "1.00", currency: "USD" });
    let socketClosed = false;
    const answered = new Promise<number>((resolve, reject) => {
      const request = http.request(
        `${server.url}/api/v1/settlements`,
        { method: "POST", agent, headers: { Authorization: "Bearer key-shutdown-0000001", "Content-Type": "application/json", "Content-Length": body.length } },
        (response) => {
          response.resume();
          response.on("end", () => resolve(response.statusCode!));
        },
      );
      request.on("socket", (socket) => socket.once("close", () => (socketClosed = true)));
      request.on("error", reject);
      // The body trickles in for about a second: the request is in progress when SIGTERM arrives.
      void (async () => {
        for (const char of body) {
          request.write(char);
          await new Promise((resolve) => setTimeout(resolve, 1_000 / body.length));
        }
        request.end();
      })();
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stopped = server.stop("SIGTERM");
    expect([201, 503]).toContain(await answered);
    // Like a dashboard refreshing every 2 s: the kept-alive connection never stays idle for Node's 5 s keep-alive timeout.
    let polling = true;
    const poll = (async () => {
      while (polling) {
        await new Promise<void>((resolve) => http.get(`${server.url}/healthz`, { agent }, (response) => response.resume().on("end", resolve)).on("error", () => resolve()));
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    })();
    // Before the fix: the connection stayed open, the shutdown waited SHUTDOWN_TIMEOUT_MS (20 s) and exited 1.
    const code = await stopped;
    polling = false;
    await poll;
    expect(socketClosed).toBe(true);
    expect(code).toBe(0);
  } finally {
    agent.destroy();
  }
});

/**
 * An event-stream client reconnects as soon as its stream ends, on the
 * connection it kept alive: a stream opened while the service shuts down
 * must be ended too, or the connection holds the shutdown open.
 */
test("SIGTERM with a stream client that reconnects at once on its kept-alive connection: exit 0 promptly", { timeout: 60_000 }, async () => {
  const server = await spawnServer({ DATABASE_URL: database.url, API_KEYS: "acme:key-shutdown-0000002", SHUTDOWN_TIMEOUT_MS: "20000" });
  servers.push(server);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let streaming = true;
  let opened = 0;
  const reconnecting = (async () => {
    while (streaming) {
      await new Promise<void>((resolve) => {
        const request = http.get(`${server.url}/api/v1/events/stream`, { agent, headers: { Authorization: "Bearer key-shutdown-0000002" } }, (response) => {
          if (response.statusCode === 200) opened += 1;
          response.resume();
          response.on("end", () => resolve());
          response.on("error", () => resolve());
        });
        request.on("error", () => resolve());
      });
    }
  })();
  try {
    while (opened < 1) await new Promise((resolve) => setTimeout(resolve, 20));
    const started = performance.now();
    const code = await server.stop("SIGTERM");
    const took = performance.now() - started;
    expect(code).toBe(0);
    expect(took).toBeLessThan(10_000);
  } finally {
    streaming = false;
    await reconnecting;
    agent.destroy();
  }
});
