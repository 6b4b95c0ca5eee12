import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SseKind } from "./sse-server.js";
import { median } from "./stats.js";
import { request } from "../support/ipc.js";

const here = dirname(fileURLToPath(import.meta.url));

/** The SSE servers, by the name results use. */
export const sseServers: Record<string, { kind: SseKind; package: string; settings: string }> = {
  "bare node:http": { kind: "bare", package: "node", settings: "`http.createServer`, `res.write(frame)` to every open response: the floor" },
  ours: { kind: "ours", package: "@org/sse-broadcaster", settings: "`createSSEBroadcaster()` + `attachSSE(req, res)` on node:http, defaults (heartbeat 30 s), `broadcast(event)`" },
  "better-sse": { kind: "better-sse", package: "better-sse", settings: "`createSession(req, res)` registered on a `createChannel()`, defaults (keep-alive 10 s), `channel.broadcast(data, event, { eventId })`" },
  "Hono streamSSE": { kind: "hono", package: "hono", settings: "`streamSSE` on `@hono/node-server`, each stream kept in a set, `stream.writeSSE(message)` to each" },
};

/** Starts a process through sh, which first raises its limit on open files as far as it may. */
function launch(file: string, args: string[], openFiles: number): ChildProcess {
  return spawn(
    "/bin/sh",
    ["-c", `ulimit -n ${openFiles} 2>/dev/null; exec "$0" "$@"`, process.execPath, "--conditions=@org/source", "--import", "tsx", "--expose-gc", join(here, file), ...args],
    { stdio: ["ignore", "inherit", "inherit", "ipc"] },
  );
}

function firstMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`exited with ${code} before it was ready`)));
    child.once("message", (m) => resolve(m as T));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

async function until(check: () => Promise<boolean>, what: string, limitMs: number, everyMs = 100): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export interface SseResult {
  connections: number;
  idleRssMb: number;
  rssMb: number;
  /** RSS with the connections open, less the idle server's, per connection. */
  kbPerConnection: number;
  /** From the broadcast call until the last client had the event: median and slowest of the broadcasts. */
  reachMs: number;
  reachMaxMs: number;
}

/**
 * One server process holding `connections` SSE connections from a client
 * process: its RSS (after GC) idle and loaded, then `broadcasts` events one
 * at a time, each timed from just before the server's broadcast call until
 * the last client has it (both processes read the same high-resolution wall
 * clock).
 */
export async function sse(name: string, { connections, broadcasts }: { connections: number; broadcasts: number }): Promise<SseResult> {
  const server = sseServers[name];
  if (!server) throw new Error(`no SSE server named ${name}`);
  const openFiles = connections + 1000;
  const serverProcess = launch("sse-server.ts", [`--kind=${server.kind}`, `--connections=${connections}`], openFiles);
  let clients: ChildProcess | undefined;
  try {
    const ready = await firstMessage<{ port?: number; error?: string }>(serverProcess);
    if (ready.error) throw new Error(ready.error);
    const idle = await request<{ rss: number }>(serverProcess, { cmd: "rss" });
    clients = launch("sse-clients.ts", [`--port=${ready.port}`, `--n=${connections}`, `--sources=${Math.ceil(connections / 25_000)}`], openFiles);
    const clientProcess = clients;
    await until(async () => (await request<{ count: number }>(serverProcess, { cmd: "count" })).count >= connections, `${connections} connections`, 180_000, 200);
    const loaded = await request<{ rss: number }>(serverProcess, { cmd: "rss" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const times: number[] = [];
    for (let i = 1; i <= broadcasts; i++) {
      await request(clientProcess, { cmd: "arm" });
      const { at: sentAt } = await request<{ at: number }>(serverProcess, { cmd: "broadcast", n: i });
      let reachedAt = Number.NaN;
      await until(
        async () => {
          const answer = await request<{ at: number; remaining: number }>(clientProcess, { cmd: "reached" });
          reachedAt = answer.at;
          return answer.remaining === 0;
        },
        `broadcast ${i} reaching every client`,
        30_000,
        2,
      );
      times.push(reachedAt - sentAt);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return {
      connections,
      idleRssMb: idle.rss / 2 ** 20,
      rssMb: loaded.rss / 2 ** 20,
      kbPerConnection: (loaded.rss - idle.rss) / 1024 / connections,
      reachMs: median(times),
      reachMaxMs: Math.max(...times),
    };
  } finally {
    if (clients) await stop(clients);
    await stop(serverProcess);
  }
}
