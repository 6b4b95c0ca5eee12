import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";

const START_TIMEOUT_MS = 10_000;

/** The shared Redis of the tests: REDIS_URL, or the local one on 127.0.0.1:6379. */
export function resolveRedisUrl(env: Record<string, string | undefined> = process.env): string {
  return env.REDIS_URL && env.REDIS_URL !== "" ? env.REDIS_URL : "redis://127.0.0.1:6379";
}

/** A key prefix no other test (or run) uses, for keys on the shared Redis. */
export function uniqueRedisPrefix(label = "test"): string {
  return `${label}:${Date.now().toString(36)}:${randomBytes(4).toString("hex")}`;
}

/** A redis-server of a test's own, without persistence: a restart loses everything. */
export interface OwnRedisServer {
  url: string;
  port: number;
  pid(): number | undefined;
  /** Kills it (SIGKILL by PID) if it runs, and starts a new empty one on the same port. */
  restart(): Promise<void>;
  /** Kills it by PID. Idempotent. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function launch(port: number): Promise<ChildProcess> {
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`redis-server on ${port} did not start within ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => void (output += chunk.toString()));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server on ${port} exited with ${code}:\n${output}`));
    });
  });
}

async function kill(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  await exited;
}

/**
 * Starts `redis-server --port <free> --save '' --appendonly no` on
 * 127.0.0.1 (a few attempts if the free port was taken meanwhile).
 */
export async function startRedisServer(): Promise<OwnRedisServer> {
  let child: ChildProcess | undefined;
  let port = 0;
  let lastError: unknown;
  for (let attempt = 0; attempt < 3 && !child; attempt += 1) {
    port = await freePort();
    child = await launch(port).catch((error) => {
      lastError = error;
      return undefined;
    });
  }
  if (!child) throw lastError;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: () => child?.pid,
    async restart() {
      await kill(child);
      child = await launch(port);
    },
    stop: () => kill(child),
  };
}
