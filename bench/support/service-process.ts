import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";

/** A running apps/api process. */
export interface ServiceProcess {
  url: string;
  child: ChildProcess;
}

/** The API key every benchmark's service knows (one tenant, `bench`). */
export const BENCH_KEY = "bench-key-0123456789";

/**
 * Starts an apps/api process (`command` with `args` in `cwd`) for one
 * tenant writing flat out: port 0 on 127.0.0.1, the bench key, the
 * per-tenant limits off; `env` adds to that. Resolves with the URL it
 * prints once it listens (within two minutes).
 */
export function startService(command: string, args: string[], cwd: string, env: Record<string, string>): Promise<ServiceProcess> {
  const child = spawn(command, args, {
    cwd,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      PORT: "0",
      HOST: "127.0.0.1",
      API_KEYS: `bench:${BENCH_KEY}`,
      SSE_HEARTBEAT_MS: "15000",
      RATE_LIMIT_PER_MINUTE: "0",
      SSE_MAX_CLIENTS_PER_TENANT: "10000",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start:\n${output}`)), 120_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1]!, child });
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => void (output += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`service exited with ${code}:\n${output}`)));
  });
}

/** SIGTERM, and waits for the exit. */
export async function stopService({ child }: ServiceProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

/**
 * A raw SSE client of `settlement.created`: calls `onCreated` with each
 * frame's amount (the benchmarks make every amount unique, `<n>.00`, so it
 * names the write).
 */
export function createdStream(url: string, onCreated: (amount: string) => void): { ready: Promise<void>; close(): void } {
  let request: http.ClientRequest;
  const ready = new Promise<void>((resolve, reject) => {
    request = http.get(`${url}/api/v1/events/stream?types=settlement.created`, { headers: { Authorization: `Bearer ${BENCH_KEY}` } }, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`stream: HTTP ${response.statusCode}`));
      resolve();
      let buffer = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf("\n\n")) !== -1) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const match = /"amount":"(\d+)\.00"/.exec(frame);
          if (match) onCreated(match[1]!);
        }
      });
    });
    request.on("error", reject);
  });
  return { ready, close: () => request.destroy() };
}
