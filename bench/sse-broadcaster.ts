/**
 * Benchmark of @org/sse-broadcaster against a bare node:http SSE server doing
 * the same work, measured in the same run:
 *   1. server RSS holding 10,000 open SSE connections (each server in its own process);
 *   2. time to broadcast one event (277-byte frame) to those 10,000 clients;
 *   3. 1,000 events/s to 1,000 clients for 10 s, delivered the way an outbox relay
 *      hands them over (a small batch every 5 ms): events/s achieved, frames lost by
 *      clients that keep up, how long after the last event every client had everything.
 *      The broadcaster gets each batch through `broadcastMany`; the bare server gets the
 *      same batching opportunity: one `res.write` of the joined batch per client. A third
 *      server ("bare, a write per frame", rate test only) writes each frame separately,
 *      corked per client per batch: node:http already corks a response until
 *      process.nextTick, so this is one socket writev per client per batch too, but a
 *      `res.write` (and an HTTP chunk) per frame per client.
 * Clients are raw `net` sockets in a separate process that count frames by scanning
 * the bytes for "\nid: " (no decoding, no per-frame allocation) and discard them.
 *
 * Run: node --conditions=@org/source --import tsx bench/sse-broadcaster.ts
 * Env: SSE_BENCH_CONNECTIONS (10000), SSE_BENCH_RATE_SECONDS (10), SSE_BENCH_RATE_ONLY=1, SSE_BENCH_SKIP_RATE=1,
 *      SSE_BENCH_PRODUCER=each (one `broadcast` call per event instead of `broadcastMany`).
 * Or import { run } from "./sse-broadcaster.ts" (returns the figures).
 * Run as a script, writes bench/results/sse-broadcaster.json. BENCH_QUICK=1 is the smoke form (500 connections,
 * 3 broadcasts, 1,000 events/s to 100 clients for 1 s; bench/results/quick/sse-broadcaster.json).
 */
import { fork, type ChildProcess } from "node:child_process";
import http from "node:http";
import net from "node:net";
import { fileURLToPath, pathToFileURL } from "node:url";
import { request } from "./support/ipc.js";
import { numberSetting, QUICK, writeResults } from "./support/results.js";

const SELF = fileURLToPath(import.meta.url);
const EXEC_ARGV = ["--conditions=@org/source", "--import", "tsx", "--expose-gc"];
const CONNECTIONS = numberSetting("SSE_BENCH_CONNECTIONS", 10_000, 500);
const RATE_CLIENTS = QUICK ? 100 : 1_000;
const RATE_PER_SECOND = 1_000;
const RATE_SECONDS = numberSetting("SSE_BENCH_RATE_SECONDS", 10, 1);
const RATE_BATCH_MS = 5; // an outbox relay's cadence: what committed since the last poll
const RATE_ONLY = process.env.SSE_BENCH_RATE_ONLY === "1";
const SKIP_RATE = process.env.SSE_BENCH_SKIP_RATE === "1";
const PRODUCER_EACH = process.env.SSE_BENCH_PRODUCER === "each";
const BROADCAST_ROUNDS = QUICK ? 3 : 30;
/** "bare-cork": the bare server writing each frame separately (corked per batch); rate test only. */
type Kind = "bare" | "bare-cork" | "broadcaster";

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
  const eventOf = (id: number) => ({ id: `evt_${String(id).padStart(26, "0")}`, eventType: "settlement.status_changed", payload });
  /** Sends the next `n` events as one batch. */
  const send = (n = 1): void => {
    if (kind !== "broadcaster") {
      if (n === 1) {
        const frame = frameOf(++seq);
        for (const res of clients) res.write(frame);
        return;
      }
      const frames = Array.from({ length: n }, () => frameOf(++seq));
      if (kind === "bare") {
        // The same batching as the broadcaster: one write of the whole batch per client.
        const joined = frames.join("");
        for (const res of clients) res.write(joined);
      } else {
        // One res.write per frame, corked per client per batch (one socket writev per client per batch).
        for (const res of clients) {
          res.cork();
          for (const frame of frames) res.write(frame);
          res.uncork();
        }
      }
    } else if (n === 1) {
      broadcaster.broadcast(eventOf(++seq));
    } else if (PRODUCER_EACH) {
      for (let i = 0; i < n; i += 1) broadcaster.broadcast(eventOf(++seq));
    } else {
      broadcaster.broadcastMany(Array.from({ length: n }, () => eventOf(++seq)));
    }
  };
  const server = http.createServer((req, res) => {
    if (kind !== "broadcaster") {
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
  const count = () => (kind === "broadcaster" ? broadcaster.getClientCount() : clients.size);
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
      const queuedMs = performance.now() - start;
      // Until the bytes were handed to the sockets: node:http writes on process.nextTick, the broadcaster at the end of the tick.
      await new Promise((resolve) => setImmediate(resolve));
      process.send?.({ ms: performance.now() - start, queuedMs });
    } else if (message.cmd === "rate") {
      const total = RATE_PER_SECOND * RATE_SECONDS;
      const cpu = process.cpuUsage();
      const started = performance.now();
      let sent = 0;
      let batches = 0;
      let maxBehind = 0;
      // A batch every RATE_BATCH_MS with what fell due on the wall clock (catching up if late):
      // exactly `total` events, evenly over RATE_SECONDS.
      // Event k is due at k / RATE_PER_SECOND s, so the last one at RATE_SECONDS.
      let seconds = 0;
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, RATE_BATCH_MS));
        const elapsed = performance.now() - started;
        const due = Math.min(total, Math.floor((elapsed / 1000) * RATE_PER_SECOND));
        if (due - sent > maxBehind) {
          maxBehind = due - sent;
          if (process.env.SSE_BENCH_DEBUG) console.error(`batch of ${maxBehind} at ${elapsed.toFixed(0)} ms`);
        }
        if (due > sent) {
          send(due - sent);
          sent = due;
          batches += 1;
        }
        if (sent === total) {
          seconds = (performance.now() - started) / 1000;
          break;
        }
      }
      const used = process.cpuUsage(cpu);
      const stats = kind === "broadcaster" ? broadcaster.getStats() : undefined;
      process.send?.({ sent, seconds, batches, maxBatch: maxBehind, cpu: (used.user + used.system) / 1e6 / seconds, evictions: stats?.evictions ?? 0 });
    }
  });
}

// ---------- client process ----------
const ID_LINE = Buffer.from("\nid: ");
function clientMain(port: number, n: number): void {
  const counts = new Float64Array(n);
  let open = 0;
  let closed = 0;
  const cpu = process.cpuUsage();
  const connect = (i: number) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    socket.on("connect", () => {
      open += 1;
      socket.write("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n");
    });
    // How many bytes of ID_LINE the previous chunk ended with: a line split across chunks still counts once.
    let partial = 0;
    socket.on("data", (chunk: Buffer) => {
      let found = 0;
      if (partial > 0) {
        const rest = ID_LINE.length - partial;
        if (chunk.length >= rest && chunk.compare(ID_LINE, partial, ID_LINE.length, 0, rest) === 0) found += 1;
        partial = 0;
      }
      for (let at = chunk.indexOf(ID_LINE); at !== -1; at = chunk.indexOf(ID_LINE, at + ID_LINE.length)) found += 1;
      for (let k = Math.min(ID_LINE.length - 1, chunk.length); k > 0; k -= 1) {
        if (chunk.compare(ID_LINE, 0, k, chunk.length - k, chunk.length) === 0) {
          partial = k;
          break;
        }
      }
      counts[i] = (counts[i] ?? 0) + found;
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
      const used = process.cpuUsage(cpu);
      process.send?.({ open, closed, min, max, sum, cpuSeconds: (used.user + used.system) / 1e6 });
    }
  });
}

// ---------- orchestration ----------
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

interface RateResult {
  sent: number;
  /** How long the producer took to send `sent` events (RATE_SECONDS when it kept to the schedule). */
  seconds: number;
  batches: number;
  /** The largest batch: more than RATE_BATCH_MS worth of events means the producer fell behind. */
  maxBatch: number;
  /** Server CPU (user + system) per wall second while sending. */
  cpu: number;
  evictions: number;
  minReceived: number;
  /** received / expected over all clients. */
  received: number;
  expected: number;
  lost: number;
  /** From the end of sending until every client had every event (polled every 10 ms). */
  drainMs: number;
  /** CPU of the clients' process per wall second while sending. */
  clientCpu: number;
}

interface KindResult {
  idleRssMb: number;
  rssMb: number;
  /** Until every socket had the bytes. */
  broadcastMs: number;
  /** The synchronous part only (the call returns). */
  queuedMs: number;
  rate: RateResult | undefined;
  frameBytes: number;
}

interface Counts {
  min: number;
  sum: number;
  cpuSeconds: number;
}

async function rateTest(server: { child: ChildProcess; port: number }, log: (step: string) => void): Promise<RateResult> {
  const rateClients = startClients(server.port, RATE_CLIENTS);
  try {
    await until(async () => (await request<{ count: number }>(server.child, { cmd: "count" })).count === RATE_CLIENTS, `${RATE_CLIENTS} connections`);
    log("rate clients connected");
    await until(async () => (await request<Counts>(rateClients, { cmd: "counts" })).sum === 0, "quiet");
    const before = await request<Counts>(rateClients, { cmd: "counts" });
    const rate = await request<Omit<RateResult, "minReceived" | "received" | "expected" | "lost" | "drainMs" | "clientCpu">>(
      server.child,
      { cmd: "rate" },
      RATE_SECONDS * 1000 + 60_000,
    );
    const sentAt = performance.now();
    let counts = await request<Counts>(rateClients, { cmd: "counts" });
    const clientCpu = (counts.cpuSeconds - before.cpuSeconds) / rate.seconds;
    // Let the last frames arrive (bounded), then count.
    let drainMs = Number.NaN;
    const deadline = sentAt + 20_000;
    while (performance.now() < deadline) {
      counts = await request<Counts>(rateClients, { cmd: "counts" });
      if (counts.min >= rate.sent) {
        drainMs = performance.now() - sentAt;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    log(`rate sent in ${rate.seconds.toFixed(2)} s, all received ${drainMs.toFixed(0)} ms later`);
    const expected = rate.sent * RATE_CLIENTS;
    return { ...rate, minReceived: counts.min, received: counts.sum, expected, lost: expected - counts.sum, drainMs, clientCpu };
  } finally {
    await stop(rateClients);
  }
}

async function measure(kind: Kind, rateOnly = RATE_ONLY): Promise<KindResult> {
  const log = (step: string) => console.error(`[sse-bench] ${kind}: ${step}`);
  log("starting server");
  const server = await startServer(kind);
  try {
    const idle = await request<{ rss: number }>(server.child, { cmd: "rss" });
    let loaded = { rss: Number.NaN };
    const times: number[] = [];
    const queuedTimes: number[] = [];
    if (!rateOnly) {
      const clients = startClients(server.port, CONNECTIONS);
      try {
        await until(async () => (await request<{ count: number }>(server.child, { cmd: "count" })).count === CONNECTIONS, `${CONNECTIONS} connections`);
        loaded = await request<{ rss: number }>(server.child, { cmd: "rss" });
        log(`${CONNECTIONS} connections open`);
        for (let round = 1; round <= BROADCAST_ROUNDS; round += 1) {
          const timing = await request<{ ms: number; queuedMs: number }>(server.child, { cmd: "broadcast" });
          times.push(timing.ms);
          queuedTimes.push(timing.queuedMs);
          await until(async () => (await request<{ min: number }>(clients, { cmd: "counts" })).min >= round, `round ${round} delivered`);
        }
        times.sort((a, b) => a - b);
        queuedTimes.sort((a, b) => a - b);
      } finally {
        await stop(clients);
      }
      await until(async () => (await request<{ count: number }>(server.child, { cmd: "count" })).count === 0, "disconnects");
      log("broadcast timed; rate test");
    }
    const rate = SKIP_RATE ? undefined : await rateTest(server, log);
    return {
      idleRssMb: idle.rss / 2 ** 20,
      rssMb: loaded.rss / 2 ** 20,
      broadcastMs: times[Math.floor(times.length / 2)] ?? Number.NaN,
      queuedMs: queuedTimes[Math.floor(queuedTimes.length / 2)] ?? Number.NaN,
      rate,
      frameBytes: server.frameBytes,
    };
  } finally {
    await stop(server.child);
  }
}

/** Runs both servers and prints the comparison table. Returns the figures. */
export async function run(): Promise<{ bare: KindResult; bareCork: KindResult | undefined; broadcaster: KindResult }> {
  const bare = await measure("bare");
  const bareCork = SKIP_RATE ? undefined : await measure("bare-cork", true);
  const lib = await measure("broadcaster");
  const f = (n: number, digits = 1) => n.toFixed(digits);
  const cell = (rate: RateResult | undefined, pick: (r: RateResult) => string) => (rate === undefined ? "-" : pick(rate));
  const both = (pick: (r: RateResult) => string): [string, string, string] => [cell(bare.rate, pick), cell(bareCork?.rate, pick), cell(lib.rate, pick)];
  const rows = [
    ["metric", "bare node:http", "bare, a write per frame", "@org/sse-broadcaster", "ratio", "goal"],
    ["RSS, idle server (MB)", f(bare.idleRssMb), "", f(lib.idleRssMb), f(lib.idleRssMb / bare.idleRssMb, 2), ""],
    [`RSS with ${CONNECTIONS} connections (MB)`, f(bare.rssMb), "", f(lib.rssMb), f(lib.rssMb / bare.rssMb, 2), "<= 1.3"],
    [`  of which connections (MB)`, f(bare.rssMb - bare.idleRssMb), "", f(lib.rssMb - lib.idleRssMb), f((lib.rssMb - lib.idleRssMb) / (bare.rssMb - bare.idleRssMb), 2), ""],
    [`broadcast 1 event (${bare.frameBytes} B) to ${CONNECTIONS}, median of ${BROADCAST_ROUNDS} (ms)`, f(bare.broadcastMs, 2), "", f(lib.broadcastMs, 2), f(lib.broadcastMs / bare.broadcastMs, 2), "<= 2"],
    [`  of which the call itself (ms)`, f(bare.queuedMs, 2), "", f(lib.queuedMs, 2), "", ""],
    [`${RATE_PER_SECOND} ev/s to ${RATE_CLIENTS} clients for ${RATE_SECONDS} s, a batch every ${RATE_BATCH_MS} ms: sent`, ...both((r) => String(r.sent)), "", ""],
    ["  events/s achieved (sent / sending time)", ...both((r) => f(r.sent / r.seconds, 0)), "", `>= ${RATE_PER_SECOND}`],
    ["  sending time (s) / largest batch", ...both((r) => `${f(r.seconds, 2)} / ${r.maxBatch}`), "", `${RATE_SECONDS}`],
    ["  every client had every event, after the last (ms)", ...both((r) => (Number.isNaN(r.drainMs) ? "> 20000" : f(r.drainMs, 0))), "", ""],
    ["  events received / expected", ...both((r) => `${r.received} / ${r.expected}`), "", "all"],
    ["  fewest events received by one client", ...both((r) => String(r.minReceived)), "", "= sent"],
    ["  not received 20 s after the last / evictions", ...both((r) => `${r.lost} / ${r === lib.rate ? r.evictions : "-"}`), "", "0 / 0"],
    ["  CPU while sending: server / clients' process (cores)", ...both((r) => `${f(r.cpu, 2)} / ${f(r.clientCpu, 2)}`), "", ""],
  ];
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? "").length))) ?? [];
  for (const row of rows) console.log(`| ${row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(" | ")} |`);
  return { bare, bareCork, broadcaster: lib };
}

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const role = arg("role");
  if (role === "server") void serverMain(arg("kind") as Kind);
  else if (role === "clients") clientMain(Number(arg("port")), Number(arg("n")));
  else {
    const startedAt = new Date().toISOString();
    run().then(
      (figures) => {
        const settings = { connections: CONNECTIONS, broadcastRounds: BROADCAST_ROUNDS, rateClients: RATE_CLIENTS, ratePerSecond: RATE_PER_SECOND, rateSeconds: RATE_SECONDS, rateBatchMs: RATE_BATCH_MS, producer: PRODUCER_EACH ? "each" : "many", rateOnly: RATE_ONLY, skipRate: SKIP_RATE };
        console.error(`wrote ${writeResults("sse-broadcaster", { benchmark: "sse-broadcaster", quick: QUICK, startedAt, settings, ...figures })}`);
        process.exit(0);
      },
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  }
}
