import { spawn, type ChildProcess } from "node:child_process";
import { dirname, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const script = resolve(packageDir, "src/test-support/publisher-process.ts");

/** One handled event as a child reported it. */
export interface Handled {
  pid: number;
  eventId: string;
  aggregateId: string;
  version: number;
  start: bigint;
  end: bigint;
}

/** A running publisher child process and what it has reported so far. */
export interface PublisherProcess {
  readonly pid: number;
  readonly handled: Handled[];
  readonly ready: Promise<void>;
  readonly leader: Promise<void>;
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

/** Spawns `node --conditions=@org/source --import tsx publisher-process.ts`. */
export function startPublisherProcess(env: {
  DATABASE_URL: string;
  MODE: "feed" | "default-feed" | "worker";
  BATCH_SIZE?: string;
  LEASE_MS?: string;
  SLOW_FIRST?: string;
  HANDLE_MS?: string;
}): PublisherProcess {
  const child: ChildProcess = spawn(process.execPath, ["--conditions=@org/source", "--import", "tsx", script], {
    cwd: packageDir,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const handled: Handled[] = [];
  let onReady!: () => void;
  let onLeader!: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  const leader = new Promise<void>((r) => (onLeader = r));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const lines = createInterface({ input: child.stdout! });
  lines.on("line", (line) => {
    if (line === "READY") return onReady();
    if (line === "LEADER") return onLeader();
    const [tag, eventId, aggregateId, version, start, end] = line.split(" ");
    if (tag !== "H") return;
    handled.push({ pid: child.pid!, eventId: eventId!, aggregateId: aggregateId!, version: Number(version), start: BigInt(start!), end: BigInt(end!) });
  });
  return {
    pid: child.pid!,
    handled,
    ready,
    leader,
    exited: exited.then(async (code) => {
      // all stdout lines are read before "close"
      await new Promise<void>((r) => (child.stdout!.readableEnded ? r() : child.stdout!.once("close", () => r())));
      return code;
    }),
    kill: (signal) => void child.kill(signal),
  };
}

/** Ends every child with SIGTERM and waits until each has exited. */
export async function stopProcesses(children: readonly PublisherProcess[]): Promise<void> {
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(children.map((child) => child.exited));
}
