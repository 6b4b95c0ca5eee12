/**
 * Benchmark of @org/sse-broadcaster against a bare node:http SSE server doing
 * the same work, measured in the same run:
 *   1. server RSS holding 10,000 open SSE connections (each server in its own process);
 *   2. time to broadcast one event (258-byte frame) to those 10,000 clients;
 *   3. 1,000 events/s to 1,000 clients for 3 s: frames lost by clients that keep up.
 * Clients are raw `net` sockets in a separate process that read, count and discard frames.
 *
 * Run: node --conditions=@org/source --import tsx bench/sse-broadcaster.ts
 * Or import { run } from "./sse-broadcaster.ts" (returns the figures).
 */
import { fork, type ChildProcess } from "node:child_process";
import http from "node:http";
import net from "node:net";
import { fileURLToPath, pathToFileURL } from "node:url";

const SELF = fileURLToPath(import.meta.url);
const EXEC_ARGV = ["--conditions=@org/source", "--import", "tsx", "--expose-gc"];
const CONNECTIONS = Number(process.env.SSE_BENCH_CONNECTIONS ?? 10_000);
const RATE_CLIENTS = 1_000;
const RATE_PER_SECOND = 1_000;
const RATE_SECONDS = 3;
const BROADCAST_ROUNDS = 30;
type Kind = "bare" | "broadcaster";

// ---------- server process ----------
async function serverMain(kind: Kind): Promise<void> {
  const { createSSEBroadcaster } = await import("@org/sse-broadcaster");
  const { attachSSE } = await import("@org/sse-broadcaster/node");
  const payload = { settlement_id: "stl_01JQXR5ABCDEFGHJKMNPQRSTVW", from_status: "confirming", to_status: "confirmed", network: "polygon", confirmations: 30, pad: "x".repeat(52) };
  const headers = { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no", Connection: "keep-alive" };
  const clients = new Set<http.ServerResponse>();
  const broadcaster = createSSEBroadcaster({ maxClients: 20_000, maxQueueEvents: 10_000 });
  let seq = 0;
  const frameOf = (id: number) => `event: settlement.status_changed\nid: evt_${String(id).padStart(26, "0")}\ndata: ${JSON.stringify(payload)}\n\n`;
  const send = (): void => {
    seq += 1;
    if (kind === "bare") {
      const frame = frameOf(seq);
      for (const res of clients) res.write(frame);
    } else {
      broadcaster.broadcast({ id: `evt_${String(seq).padStart(26, "0")}`, eventType: "settlement.status_changed", payload });
    }
  };
  const server = http.createServer((req, res) => {
    if (kind === "bare") {
      res.writeHead(200, headers);
      res.write("retry: 3000\n\n");
      clients.add(res);
      res.once("close", () => clients.delete(res));
    } else {
      attachSSE(broadcaster, req, res);
    }
  });
  server.listen({ port: 0, host: "127.0.0.1", backlog: 4096 }, () => {
    process.send?.({ port: (server.address() as net.AddressInfo).port, frameBytes: Buffer.byteLength(frameOf(1)) });
  });
  const count = () => (kind === "bare" ? clients.size : broadcaster.getClientCount());
  process.on("message", async (message: { cmd: string }) => {
    if (message.cmd === "count") process.send?.({ count: count() });
    else if (message.cmd === "rss") {
      for (let i = 0; i < 3; i += 1) globalThis.gc?.();
      await new Promise((resolve) => setTimeout(resolve, 200));
      globalThis.gc?.();
      process.send?.({ rss: process.memoryUsage().rss });
    } else if (message.cmd === "broadcast") {
      const start = performance.now();
      send();
      process.send?.({ ms: performance.now() - start });
    } else if (message.cmd === "rate") {
      const total = RATE_PER_SECOND * RATE_SECONDS;
      const started = performance.now();
      let sent = 0;
      // Ticks of 10 ms, catching up on the wall clock: exactly `total` events, evenly over RATE_SECONDS.
      while (sent < total) {
        const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * RATE_PER_SECOND) + 1);
        while (sent < due) {
          send();
          sent += 1;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const stats = kind === "broadcaster" ? broadcaster.getStats() : undefined;
      process.send?.({ sent, seconds: (performance.now() - started) / 1000, evictions: stats?.evictions ?? 0 });
    }
  });
}

// ---------- client process ----------
const ID_LINE = Buffer.from("\nid: ");
function clientMain(port: number, n: number): void {
  const counts: number[] = new Array(n).fill(0);
  let open = 0;
  let closed = 0;
  const connect = (i: number) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    socket.on("connect", () => {
      open += 1;
      socket.write("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n");
    });
    let tail = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      // Count frames by their "\nid: " line, on bytes (no decoding); a line split across
      // chunks is found in the small join of the previous tail and this chunk's head.
      const joined = Buffer.concat([tail, chunk.subarray(0, 4)]);
      let found = joined.indexOf(ID_LINE);
      if (found !== -1 && found + ID_LINE.length > tail.length) counts[i] = (counts[i] ?? 0) + 1;
      let at = chunk.indexOf(ID_LINE);
      while (at !== -1) {
        counts[i] = (counts[i] ?? 0) + 1;
        at = chunk.indexOf(ID_LINE, at + 1);
      }
      tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - 4)));
    });
    socket.on("error", () => {});
    socket.on("close", () => (closed += 1));
  };
  let next = 0;
  const batch = () => {
    for (let k = 0; k < 500 && next < n; k += 1) connect(next++);
    if (next < n) setTimeout(batch, 20);
  };
  batch();
  process.on("message", (message: { cmd: string }) => {
    if (message.cmd === "counts") {
      let min = Number.POSITIVE_INFINITY;
      let max = 0;
      let sum = 0;
      for (const c of counts) {
        min = Math.min(min, c);
        max = Math.max(max, c);
        sum += c;
      }
      process.send?.({ open, closed, min, max, sum });
    }
  });
}

// ---------- orchestration ----------
function request<T>(child: ChildProcess, message: object, limitMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = () => reject(new Error(`child exited before answering ${JSON.stringify(message)}`));
    const timer = setTimeout(() => reject(new Error(`no answer to ${JSON.stringify(message)}`)), limitMs);
    child.once("exit", onExit);
    child.once("message", (answer) => {
      clearTimeout(timer);
      child.off("exit", onExit);
      resolve(answer as T);
    });
    child.send(message);
  });
}

async function until(check: () => Promise<boolean>, what: string, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function startServer(kind: Kind): Promise<{ child: ChildProcess; port: number; frameBytes: number }> {
  const child = fork(SELF, ["--role=server", `--kind=${kind}`], { execArgv: EXEC_ARGV });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${kind} server exited with ${code}`)));
    child.once("message", (m: { port: number; frameBytes: number }) => resolve({ child, ...m }));
  });
}

function startClients(port: number, n: number): ChildProcess {
  return fork(SELF, ["--role=clients", `--port=${port}`, `--n=${n}`], { execArgv: EXEC_ARGV });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill();
  await exited;
}

interface KindResult {
  idleRssMb: number;
  rssMb: number;
  broadcastMs: number;
  rate: { sent: number; seconds: number; minReceived: number; lost: number; evictions: number };
  frameBytes: number;
}

async function measure(kind: Kind): Promise<KindResult> {
  const log = (step: string) => console.error(`[sse-bench] ${kind}: ${step}`);
  log("starting server");
  const server = await startServer(kind);
  try {
    const idle = await request<{ rss: number }>(server.child, { cmd: "rss" });
    const clients = startClients(server.port, CONNECTIONS);
    try {
      await until(async () => (await request<{ count: number }>(server.child, { cmd: "count" })).count === CONNECTIONS, `${CONNECTIONS} connections`);
      const loaded = await request<{ rss: number }>(server.child, { cmd: "rss" });
      log(`${CONNECTIONS} connections open`);
      const times: number[] = [];
      for (let round = 1; round <= BROADCAST_ROUNDS; round += 1) {
        times.push((await request<{ ms: number }>(server.child, { cmd: "broadcast" })).ms);
        await until(async () => (await request<{ min: number }>(clients, { cmd: "counts" })).min >= round, `round ${round} delivered`);
      }
      times.sort((a, b) => a - b);
      await stop(clients);
      await until(async () => (await request<{ count: number }>(server.child, { cmd: "count" })).count === 0, "disconnects");

      log("broadcast timed; rate test");
      const rateClients = startClients(server.port, RATE_CLIENTS);
      try {
        await until(async () => (await request<{ count: number }>(server.child, { cmd: "count" })).count === RATE_CLIENTS, `${RATE_CLIENTS} connections`);
        log("rate clients connected");
        const rate = await request<{ sent: number; seconds: number; evictions: number }>(server.child, { cmd: "rate" }, 60_000);
        log("rate sent");
        let counts = { min: 0, open: 0, closed: 0 };
        // Let the last frames arrive (bounded), then count.
        await until(async () => {
          counts = await request(rateClients, { cmd: "counts" });
          return counts.min >= rate.sent;
        }, "rate frames delivered", 20_000).catch(() => {});
        return {
          idleRssMb: idle.rss / 2 ** 20,
          rssMb: loaded.rss / 2 ** 20,
          broadcastMs: times[Math.floor(times.length / 2)] ?? Number.NaN,
          rate: { ...rate, minReceived: counts.min, lost: rate.sent - counts.min },
          frameBytes: server.frameBytes,
        };
      } finally {
        await stop(rateClients);
      }
    } finally {
      await stop(clients);
    }
  } finally {
    await stop(server.child);
  }
}

/** Runs both servers and prints the comparison table. Returns the figures. */
export async function run(): Promise<{ bare: KindResult; broadcaster: KindResult }> {
  const bare = await measure("bare");
  const lib = await measure("broadcaster");
  const f = (n: number, digits = 1) => n.toFixed(digits);
  const rows = [
    ["metric", "bare node:http", "@org/sse-broadcaster", "ratio", "goal"],
    ["RSS, idle server (MB)", f(bare.idleRssMb), f(lib.idleRssMb), f(lib.idleRssMb / bare.idleRssMb, 2), ""],
    [`RSS with ${CONNECTIONS} connections (MB)`, f(bare.rssMb), f(lib.rssMb), f(lib.rssMb / bare.rssMb, 2), "<= 1.3"],
    [`  of which connections (MB)`, f(bare.rssMb - bare.idleRssMb), f(lib.rssMb - lib.idleRssMb), f((lib.rssMb - lib.idleRssMb) / (bare.rssMb - bare.idleRssMb), 2), ""],
    [`broadcast 1 event (${bare.frameBytes} B) to ${CONNECTIONS}, median of ${BROADCAST_ROUNDS} (ms)`, f(bare.broadcastMs, 2), f(lib.broadcastMs, 2), f(lib.broadcastMs / bare.broadcastMs, 2), "<= 2"],
    [`${RATE_PER_SECOND} ev/s to ${RATE_CLIENTS} clients for ${RATE_SECONDS} s: sent`, String(bare.rate.sent), String(lib.rate.sent), "", ""],
    ["  fewest frames received by one client", String(bare.rate.minReceived), String(lib.rate.minReceived), "", "= sent"],
    ["  lost / evictions", `${bare.rate.lost} / -`, `${lib.rate.lost} / ${lib.rate.evictions}`, "", "0 / 0"],
    ["  wall time (s)", f(bare.rate.seconds, 2), f(lib.rate.seconds, 2), "", ""],
  ];
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? "").length))) ?? [];
  for (const row of rows) console.log(`| ${row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(" | ")} |`);
  return { bare, broadcaster: lib };
}

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const role = arg("role");
  if (role === "server") void serverMain(arg("kind") as Kind);
  else if (role === "clients") clientMain(Number(arg("port")), Number(arg("n")));
  else
    run().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
}
