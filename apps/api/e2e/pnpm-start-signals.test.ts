import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";

/**
 * `pnpm start` from the repository root, stopped the way a terminal stops it:
 * Ctrl-C sends SIGINT to the whole foreground process group (both pnpm
 * processes, their shells and the service), `kill -TERM -<pgid>` sends SIGTERM
 * to all of it. The newcomer must see the service's own shutdown line, exit
 * status 0, and nothing from pnpm that reads like a crash.
 */
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;
const dataDirs: string[] = [];
const groups: number[] = [];

afterAll(async () => {
  // Only matters when an assertion failed before the group was stopped.
  for (const pgid of groups) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function startAndStop(signal: "SIGINT" | "SIGTERM"): Promise<{ code: number | null; exitSignal: NodeJS.Signals | null; output: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), "api-start-"));
  dataDirs.push(dataDir);
  // Its own process group, like a shell's foreground job.
  const child = spawn("pnpm", ["start"], {
    cwd: ROOT,
    detached: true,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmpdir(), PORT: "0", DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  groups.push(child.pid!);
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; exitSignal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, exitSignal) => resolve({ code, exitSignal })),
  );

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!/listening on http/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`pnpm start did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  process.kill(-child.pid!, signal);
  const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), STOP_TIMEOUT_MS);
  const result = await exited;
  clearTimeout(timer);
  // Let the last bytes of the pipes arrive.
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { ...result, output };
}

describe("pnpm start, stopped from the terminal", { timeout: START_TIMEOUT_MS + STOP_TIMEOUT_MS + 10_000 }, () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    test(`${signal} to the process group: the service's own shutdown line, exit status 0, no failure text`, async () => {
      const { code, exitSignal, output } = await startAndStop(signal);
      expect(output).toContain(`${signal}: shutting down`);
      expect(output).toContain("stopped cleanly");
      expect(output).not.toMatch(/ELIFECYCLE|ERR_PNPM|Command failed|signal "SIG/);
      expect({ code, exitSignal }).toEqual({ code: 0, exitSignal: null });
    });
  }
});
