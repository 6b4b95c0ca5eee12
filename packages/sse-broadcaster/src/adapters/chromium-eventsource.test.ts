import { CHROMIUM_SETUP_TIMEOUT_MS, chromiumLaunchOptions } from "@org/test-harness";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attachSSE } from "./node.js";
import { createSSEBroadcaster } from "../broadcaster.js";
import type { BroadcastEvent } from "../filter/filter.js";
import { startServer, type TestServer } from "../test-support/http-server.js";
import { memoryLog } from "../test-support/memory-log.js";
import { waitUntil } from "../test-support/wait.js";

const PAGE = `<!doctype html><meta charset="utf-8"><script>
  window.received = [];
  const source = new EventSource("/stream");
  source.addEventListener("tick", (e) => window.received.push({ id: e.lastEventId, data: e.data }));
</script>`;

describe("headless Chromium's own EventSource", () => {
  let browser: Browser;
  let server: TestServer;
  const broadcaster = createSSEBroadcaster<BroadcastEvent>({
    serialize: (event) => String(event.payload),
    replay: (request) => log.replay(request),
    retryMs: 50,
    retryJitter: 0,
  });
  const log = memoryLog((event) => broadcaster.broadcast(event));
  const connections: string[] = [];

  beforeAll(async () => {
    server = await startServer((req, res) => {
      if (req.url === "/stream") {
        connections.push(attachSSE(broadcaster, req, res));
        return;
      }
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(PAGE);
    });
    // Finds the machine's Chromium, or installs Debian's, or fails with one line that says what to install.
    browser = await chromium.launch(await chromiumLaunchOptions());
  }, CHROMIUM_SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await broadcaster.close();
    await server?.close();
  });

  it("receives multi-line unicode data and resumes after a dropped connection with nothing lost or doubled", async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await waitUntil(() => broadcaster.getClientCount() === 1, "the browser's connection");
    const received = () => page.evaluate(() => (globalThis as unknown as { received: { id: string; data: string }[] }).received);

    log.publish({ payload: "first line\nsecond line — ünïcødé 😀" });
    log.publish({ payload: "" });
    let seen: { id: string; data: string }[] = [];
    // Bounded by waitUntil's limit; each round trips through the browser.
    const until = async (n: number) => {
      const deadline = Date.now() + 10_000;
      while ((seen = await received()).length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    };
    await until(2);

    broadcaster.removeClient(connections.at(-1) as string); // the browser reconnects with Last-Event-ID
    for (let n = 0; n < 5; n += 1) log.publish({ payload: `while away ${n}` });
    await waitUntil(() => broadcaster.getStats().resumes === 1, "the browser's resume");
    log.publish({ payload: "live again" });
    await until(8);
    await page.close();

    expect(seen).toEqual(log.events.map((event) => ({ id: event.id, data: String(event.payload) })));
    expect(seen[0]?.data).toBe("first line\nsecond line — ünïcødé 😀");
  });
});
