import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, totalmem, type as osType, release } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { BASE_URL } from "./scratch.js";
import { benchDir, repoDir } from "./settings.js";

const PG_SETTINGS = [
  "shared_buffers",
  "synchronous_commit",
  "fsync",
  "wal_level",
  "max_wal_size",
  "checkpoint_timeout",
  "max_connections",
  "work_mem",
  "effective_io_concurrency",
  "jit",
];

/** The machine and the server the figures come from. */
export async function describeMachine() {
  const client = new pg.Client({ connectionString: BASE_URL });
  await client.connect();
  try {
    const version = (await client.query<{ version: string }>("select version()")).rows[0]!.version;
    const settings = (await client.query<{ name: string; setting: string; unit: string | null }>("select name, setting, unit from pg_settings where name = any($1)", [PG_SETTINGS])).rows;
    const cpu = cpus();
    return {
      cores: cpu.length,
      cpu: cpu[0]?.model.trim() ?? "unknown",
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      os: `${osType()} ${release()}`,
      node: process.version,
      postgres: version.split(" on ")[0],
      postgresSettings: Object.fromEntries(settings.map((s) => [s.name, s.unit ? `${s.setting} (${s.unit})` : s.setting])),
      loadAverage: loadavg().map((v) => Math.round(v * 100) / 100),
    };
  } finally {
    await client.end();
  }
}

/** Installed versions of the packages the systems come from, and the commit of this repository. */
export function versions(packages: readonly string[]) {
  const out: Record<string, string> = {};
  for (const name of new Set(packages)) {
    if (name === "node") {
      out[name] = process.versions.node;
      continue;
    }
    try {
      out[name] = (JSON.parse(readFileSync(join(benchDir, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
    } catch {
      out[name] = "unknown";
    }
  }
  try {
    out.commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repoDir, encoding: "utf8" }).trim();
  } catch {
    out.commit = "unknown";
  }
  return out;
}
