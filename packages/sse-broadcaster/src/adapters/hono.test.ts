import { serve, type ServerType } from "@hono/node-server";
import { EventSource } from "eventsource";
import { Hono } from "hono";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createSSEBroadcaster, type SSEBroadcaster } from "../broadcaster.js";
import { isSSEError } from "../errors.js";
import type { BroadcastEvent } from "../filter/filter.js";
import { memoryLog } from "../test-support/memory-log.js";
import { connectRaw } from "../test-support/raw-client.js";
import { parseEventStream } from "../test-support/sse-parser.js";
import { once, waitUntil } from "../test-support/wait.js";
import { sseHandler } from "./hono.js";

describe("Hono adapter", () => {
  let server: ServerType | undefined;
  let broadcaster: SSEBroadcaster<BroadcastEvent>;
  afterEach(async () => {
    await broadcaster.close();
    await new Promise<void>((resolve) => {
      if (!server) return resolve();
      (server as unknown as { closeAllConnections(): void }).closeAllConnections();
      server.close(() => resolve());
    });
    server = undefined;
  });

  async function start(options: Parameters<typeof createSSEBroadcaster<BroadcastEvent>>[0] = {}) {
    broadcaster = createSSEBroadcaster<BroadcastEvent>(options);
    const app = new Hono<{ Variables: { tenantId: string } }>();
    app.use(async (c, next) => {
      c.set("tenantId", c.req.header("x-tenant") ?? "t1"); // the credential stands in here
      await next();
    });
    app.get("/stream", sseHandler(broadcaster, (c) => ({ filter: { tenantId: c.get("tenantId"), types: c.req.queries("type") } })));
    app.onError((error, c) =>
      isSSEError(error, "too_many_clients") ? c.json({ error: { code: error.code } }, 503) : c.json({ error: "internal" }, 500),
    );
    server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 });
    await waitUntil(() => (server?.address() as AddressInfo | null)?.port !== undefined, "listening");
    return (server.address() as AddressInfo).port;
  }

  it("streams filtered events with SSE headers and removes the client when it disconnects", async () => {
    const port = await start();
    const source = new EventSource(`http://127.0.0.1:${port}/stream?type=settlement.*`);
    const received: string[] = [];
    source.addEventListener("settlement.created", (event) => received.push(event.data));
    await once(source, "open");
    broadcaster.broadcast({ id: "e1", eventType: "payment.created", tenantId: "t1", payload: 0 });
    broadcaster.broadcast({ id: "e2", eventType: "settlement.created", tenantId: "t2", payload: 1 });
    broadcaster.broadcast({ id: "e3", eventType: "settlement.created", tenantId: "t1", payload: { a: "b\nc" } });
    await waitUntil(() => received.length === 1, "the matching event");
    expect(received).toEqual(['{"a":"b\\nc"}']);
    source.close();
    await waitUntil(() => broadcaster.getClientCount() === 0, "the client removed on disconnect");

    const raw = connectRaw(port, "/stream");
    await waitUntil(() => raw.text().startsWith("retry:"), "the connect hint");
    raw.destroy();
    expect(raw.raw()).toMatch(/content-type: text\/event-stream; charset=utf-8\r\n/i);
    expect(raw.raw()).toMatch(/cache-control: no-cache, no-transform\r\n/i);
    expect(raw.raw()).toMatch(/x-accel-buffering: no\r\n/i);
    expect(raw.raw()).not.toMatch(/content-encoding: (gzip|br|deflate)/i);
    await waitUntil(() => broadcaster.getClientCount() === 0, "the raw client removed");
  });

  it("resumes from the Last-Event-ID header", async () => {
    let log!: ReturnType<typeof memoryLog>;
    const port = await start({ replay: (request) => log.replay(request) });
    log = memoryLog((event) => broadcaster.broadcast(event));
    const first = log.publish({ tenantId: "t1" });
    const missed = [log.publish({ tenantId: "t1" }), log.publish({ tenantId: "t1" })];
    const raw = connectRaw(port, "/stream", { "Last-Event-ID": first.id });
    await waitUntil(() => broadcaster.getStats().resumes === 1, "the resume");
    const live = log.publish({ tenantId: "t1" });
    await waitUntil(() => raw.text().includes(`id: ${live.id}`), "the live event");
    raw.destroy();
    expect(parseEventStream(raw.text()).events.map((event) => event.lastEventId)).toEqual([...missed, live].map((e) => e.id));
  });

  it("lets app.onError map a refused connection", async () => {
    const port = await start({ maxClients: 1 });
    const source = new EventSource(`http://127.0.0.1:${port}/stream`);
    await once(source, "open");
    const refused = await fetch(`http://127.0.0.1:${port}/stream`);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({ error: { code: "too_many_clients" } });
    source.close();
  });
});

describe("resolveSSEHandlerOptions", () => {
  it("merges the defaults once and refuses values out of range at construction", async () => {
    const { resolveSSEHandlerOptions, sseHandler } = await import("./hono.js");
    const { createSSEBroadcaster } = await import("../broadcaster.js");
    expect(resolveSSEHandlerOptions()).toEqual({ highWaterMark: 65_536, closeTimeoutMs: 5_000 });
    const invalid = expect.objectContaining({ name: "SSEError", code: "invalid_options" });
    expect(() => resolveSSEHandlerOptions({ highWaterMark: 0 })).toThrow(invalid);
    expect(() => resolveSSEHandlerOptions({ closeTimeoutMs: -1 })).toThrow(invalid);
    const broadcaster = createSSEBroadcaster();
    expect(() => sseHandler(broadcaster, undefined, { highWaterMark: 1.5 })).toThrow(invalid);
    await broadcaster.close();
  });
});
