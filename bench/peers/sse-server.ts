/**
 * One SSE server in its own process, driven over IPC by bench/peers/sse.ts:
 *
 *   --kind=bare | ours | better-sse | hono   --connections=N
 *
 * Answers { port } when listening, then: count, rss (after GC), broadcast
 * (one event to every client; answers the high-resolution wall time taken
 * just before the call).
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import type net from "node:net";
import { performance } from "node:perf_hooks";

export type SseKind = "bare" | "ours" | "better-sse" | "hono";

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const kind = arg("kind") as SseKind;
const connections = Number(arg("connections") ?? 10_000);

const payload = { settlement_id: "stl_01JQXR5ABCDEFGHJKMNPQRSTVW", from_status: "confirming", to_status: "confirmed", network: "polygon", confirmations: 30, pad: "x".repeat(52) };
const EVENT = "settlement.status_changed";
const idOf = (n: number) => `evt_${String(n).padStart(26, "0")}`;

/** The soft limit on open files, from /proc (Node has no getrlimit). */
function openFilesLimit(): number {
  try {
    const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files"));
    return Number(line?.split(/\s{2,}/)[1] ?? Number.POSITIVE_INFINITY);
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

interface Server {
  count(): number;
  broadcast(n: number): void;
  listen(): Promise<number>;
}

const listenOn = (server: http.Server) =>
  new Promise<number>((resolve) => server.listen({ port: 0, host: "127.0.0.1", backlog: 4096 }, () => resolve((server.address() as net.AddressInfo).port)));

async function bare(): Promise<Server> {
  const headers = { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache, no-transform", Connection: "keep-alive" };
  const clients = new Set<http.ServerResponse>();
  const server = http.createServer((_req, res) => {
    res.writeHead(200, headers);
    res.write("retry: 3000\n\n");
    clients.add(res);
    res.once("close", () => clients.delete(res));
  });
  return {
    count: () => clients.size,
    broadcast(n) {
      const frame = `event: ${EVENT}\nid: ${idOf(n)}\ndata: ${JSON.stringify(payload)}\n\n`;
      for (const res of clients) res.write(frame);
    },
    listen: () => listenOn(server),
  };
}

async function ours(): Promise<Server> {
  const { createSSEBroadcaster } = await import("@org/sse-broadcaster");
  const { attachSSE } = await import("@org/sse-broadcaster/node");
  const broadcaster = createSSEBroadcaster({ maxClients: connections + 1000 });
  const server = http.createServer((req, res) => void attachSSE(broadcaster, req, res));
  return {
    count: () => broadcaster.getClientCount(),
    broadcast: (n) => broadcaster.broadcast({ id: idOf(n), eventType: EVENT, payload }),
    listen: () => listenOn(server),
  };
}

async function betterSse(): Promise<Server> {
  const { createChannel, createSession } = await import("better-sse");
  const channel = createChannel();
  const server = http.createServer(async (req, res) => {
    const session = await createSession(req, res);
    channel.register(session);
  });
  return {
    count: () => channel.sessionCount,
    broadcast: (n) => void channel.broadcast(payload, EVENT, { eventId: idOf(n) }),
    listen: () => listenOn(server),
  };
}

async function hono(): Promise<Server> {
  const { Hono } = await import("hono");
  const { streamSSE } = await import("hono/streaming");
  const { serve } = await import("@hono/node-server");
  type Stream = Parameters<Parameters<typeof streamSSE>[1]>[0];
  const clients = new Set<Stream>();
  const app = new Hono();
  app.get("/events", (c) =>
    streamSSE(c, async (stream) => {
      clients.add(stream);
      await new Promise<void>((resolve) => stream.onAbort(resolve));
      clients.delete(stream);
    }),
  );
  return {
    count: () => clients.size,
    broadcast(n) {
      const message = { event: EVENT, id: idOf(n), data: JSON.stringify(payload) };
      for (const stream of clients) void stream.writeSSE(message);
    },
    listen: () =>
      new Promise<number>((resolve) => {
        const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => resolve(info.port));
        (server as http.Server).maxConnections = connections + 1000;
      }),
  };
}

const limit = openFilesLimit();
if (limit < connections + 200) {
  process.send?.({ error: `this process may open ${limit} files, too few for ${connections} connections (the hard limit of this machine is what \`ulimit -Hn\` says; raising it needs CAP_SYS_RESOURCE)` });
  process.exit(1);
}
const server = await { bare, ours, "better-sse": betterSse, hono }[kind]();
process.send?.({ port: await server.listen(), openFilesLimit: limit });
process.on("disconnect", () => process.exit(0)); // the benchmark that started it is gone
process.on("message", async (message: { cmd: string; n?: number }) => {
  if (message.cmd === "count") process.send?.({ count: server.count() });
  else if (message.cmd === "rss") {
    for (let i = 0; i < 3; i++) globalThis.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 200));
    globalThis.gc?.();
    process.send?.({ rss: process.memoryUsage().rss });
  } else if (message.cmd === "broadcast") {
    const at = performance.timeOrigin + performance.now();
    server.broadcast(message.n!);
    process.send?.({ at });
  }
});
