import { spawn } from "node:child_process";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Scenario } from "./child.js";
import { describeMachine, versions } from "./machine.js";
import { writeReport } from "./report.js";
import { writeResults } from "../support/results.js";
import { benchDir, QUICK, ROUNDS } from "./settings.js";
import { summarizeRuns } from "./stats.js";

/** One scenario over some systems: each system in its own process, in alternation. */
export interface Unit {
  key: string;
  label: string;
  systems: string[];
  scenario: Scenario;
  /** Units of one batch (same systems) run in one process per system, one after the other. */
  batch?: string;
}

export interface Part {
  name: string;
  units: Unit[];
  describe(system: string): { package: string; settings: string };
  /** A short figure for the progress line. */
  brief(unit: Unit, result: any): string;
  /** Figures computed across systems of one round (a ratio to a baseline system), added to each result. */
  derive?(unit: Unit, round: Map<string, any>): void;
  /** How long one child may run before it is killed and counted as failed. */
  childTimeoutSeconds: number;
}

const elapsed = (since: number) => {
  const s = Math.round((performance.now() - since) / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
};

/** The child running now: its process group is ended with the benchmark (Ctrl-C included). */
let running: number | undefined;
const endRunning = () => {
  if (running === undefined) return;
  try {
    process.kill(-running, "SIGKILL");
  } catch {
    // already gone
  }
};
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    endRunning();
    process.exit(130);
  });
}

/** Runs one child process; its stdout's last line is the JSON of its results, its stderr passes through. */
function runChild(job: { system: string; scenarios: Scenario[] }, timeoutSeconds: number): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=@org/source", "--import", "tsx", join(benchDir, "peers", "child.ts"), JSON.stringify(job)], {
      cwd: benchDir,
      stdio: ["ignore", "pipe", "inherit"],
      detached: true, // its own process group, so a timeout ends whatever it started too
    });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    running = child.pid;
    const timer = setTimeout(endRunning, timeoutSeconds * 1000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      running = undefined;
      const last = stdout.trim().split("\n").at(-1) ?? "";
      if (code === 0 && last.startsWith("[")) resolve(JSON.parse(last) as unknown[]);
      else if (last.startsWith('{"error"')) reject(new Error((JSON.parse(last) as { error: string }).error));
      else reject(new Error(`exited with ${signal ?? code}${signal === "SIGKILL" ? " (timed out)" : ""}`));
    });
  });
}

function rotate<T>(list: readonly T[], by: number): T[] {
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

/**
 * Runs a part: ROUNDS rounds, in each every unit, in each every system in
 * its own process (the order rotating from round to round). The smoke form
 * (BENCH_QUICK=1) runs one process per system with all its scenarios.
 * Writes bench/results/<part>.json and the report.
 */
export async function runPart(part: Part): Promise<number> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const machineBefore = await describeMachine();
  const byUnit = new Map(part.units.map((unit) => [unit.key, new Map(unit.systems.map((system) => [system, [] as any[]]))]));
  const failures: string[] = [];
  const allSystems = [...new Set(part.units.flatMap((unit) => unit.systems))];
  const plan: { round: number; system: string; units: Unit[] }[] = [];
  if (QUICK) {
    for (const system of allSystems) plan.push({ round: 0, system, units: part.units.filter((unit) => unit.systems.includes(system)) });
  } else {
    const batches = new Map<string, Unit[]>();
    for (const unit of part.units) batches.set(unit.batch ?? unit.key, [...(batches.get(unit.batch ?? unit.key) ?? []), unit]);
    for (let round = 0; round < ROUNDS; round++) {
      for (const units of batches.values()) for (const system of rotate(units[0]!.systems, round)) plan.push({ round, system, units });
    }
  }
  const rounds = QUICK ? 1 : ROUNDS;
  for (const [i, step] of plan.entries()) {
    const prefix = () => `[${part.name} ${i + 1}/${plan.length} ${elapsed(started)}] round ${step.round + 1}/${rounds}`;
    try {
      const results = await runChild({ system: step.system, scenarios: step.units.map((unit) => unit.scenario) }, part.childTimeoutSeconds * step.units.length);
      step.units.forEach((unit, k) => {
        byUnit.get(unit.key)!.get(step.system)![step.round] = results[k];
        console.error(`${prefix()} · ${unit.label} · ${step.system}: ${part.brief(unit, results[k])}`);
      });
    } catch (error) {
      failures.push(`round ${step.round + 1}, ${step.system}: ${(error as Error).message}`);
      console.error(`${prefix()} · ${step.system}: FAILED (${(error as Error).message})`);
    }
  }
  for (const unit of part.units) {
    const bySystem = byUnit.get(unit.key)!;
    for (let round = 0; round < rounds; round++) {
      part.derive?.(unit, new Map([...bySystem].map(([system, runs]) => [system, runs[round]])));
    }
  }
  const scenarios = Object.fromEntries(
    part.units.map((unit) => [
      unit.key,
      {
        label: unit.label,
        scenario: unit.scenario,
        systems: Object.fromEntries(
          [...byUnit.get(unit.key)!].map(([system, runs]) => {
            const present = runs.filter((run) => run != null);
            return [system, { runs, summary: present.length > 0 ? summarizeRuns(present) : null }];
          }),
        ),
      },
    ]),
  );
  const result = {
    part: part.name,
    quick: QUICK,
    rounds,
    startedAt,
    finishedAt: new Date().toISOString(),
    durationSeconds: Math.round((performance.now() - started) / 1000),
    machine: { ...machineBefore, loadAverageAfter: (await describeMachine()).loadAverage },
    versions: versions(["@org/outbox-publisher", "@org/events", ...allSystems.map((system) => part.describe(system).package)]),
    systems: Object.fromEntries(allSystems.map((system) => [system, part.describe(system)])),
    scenarios,
    failures,
  };
  const file = writeResults(part.name, result);
  console.error(`[${part.name}] ${elapsed(started)}: wrote ${file}${failures.length > 0 ? `; ${failures.length} failed: ${failures.join("; ")}` : ""}`);
  const report = writeReport();
  console.error(`[${part.name}] wrote ${report}`);
  return failures.length;
}
