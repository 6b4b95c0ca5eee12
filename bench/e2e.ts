/**
 * The service end to end: from `POST /api/v1/settlements` to the
 * `settlement.created` frame at an SSE client, against the real apps/api
 * process started the way `pnpm start` starts it (the root package.json's
 * `start` script), on real PostgreSQL and on the embedded PGlite default.
 *
 *   pnpm bench e2e
 *   BENCH_E2E_BASELINE=<git ref> pnpm bench e2e   # also measures that commit, in the same run
 *
 * For each system (this tree, and the baseline's when asked for), on a
 * fresh scratch database:
 *   1. idle: BENCH_IDLE_POSTS (200) POSTs one at a time, 10 ms apart; the
 *      HTTP time of each, beside the database round trips the request made
 *      and the time they took (from each query to its ReadyForQuery, timed
 *      on the wire by a proxy between a second instance of the service and
 *      PostgreSQL);
 *   2. open loop at each of BENCH_RATES (100,500,1000,2000) creates/s for
 *      BENCH_SECONDS (10): the rate reached, HTTP p50 / p99, POST → SSE
 *      p50 / p95 / p99 (time from sending the request to the frame's
 *      arrival at one SSE client), whether every created event arrived,
 *      and the service's CPU per create;
 *   3. flat out: BENCH_CONCURRENCY (64) requests in flight for
 *      BENCH_SECONDS: the highest rate the service sustains.
 * Beside them, the raw insert rate of the same database (16 connections,
 * one-row INSERT per transaction, no service), measured in the same run.
 *
 * Each system is warmed up first (2,000 creates, 32 in flight): the figures
 * are a warm service's.
 *
 * Results go to bench/results/e2e.json and docs/END-TO-END.md.
 * BENCH_TARGETS=postgres,pglite narrows the databases.
 *
 * BENCH_QUICK=1 is the smoke form: both databases, 200 warm-up creates, 20
 * idle POSTs, 100 and 500 creates/s and 16 in flight for 1 s each, this tree
 * only (BENCH_E2E_BASELINE is ignored); it writes
 * bench/results/quick/e2e.json and bench/results/quick/END-TO-END.md, never
 * docs/.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { reportsDir, numberSetting, QUICK, textSetting, writeResults } from "./support/results.js";
import { BENCH_KEY, createdStream, startService, stopService, type ServiceProcess } from "./support/service-process.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const SECONDS = numberSetting("BENCH_SECONDS", 10, 1);
const RATES = textSetting("BENCH_RATES", "100,500,1000,2000", "100,500").split(",").map(Number);
const CONCURRENCY = numberSetting("BENCH_CONCURRENCY", 64, 16);
const IDLE_POSTS = numberSetting("BENCH_IDLE_POSTS", 200, 20);
const TARGETS = (process.env.BENCH_TARGETS ?? "postgres,pglite").split(",") as Target[];
/** The smoke measures this tree only: installing and running an old commit is no part of it. */
const BASELINE = QUICK ? undefined : process.env.BENCH_E2E_BASELINE;
/** Creates (32 in flight) that warm each service up before anything is measured. */
const WARM_UP_CREATES = QUICK ? 200 : 2_000;
const KEY = BENCH_KEY;
/** Requests in flight at most in the open loop; more would only measure the generator's queue. */
const MAX_OUTSTANDING = 2_000;

type Target = "postgres" | "pglite";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function withClient<T>(connectionString: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

const databaseUrl = (name: string) => Object.assign(new URL(BASE_URL), { pathname: `/${name}` }).toString();

// ---------------------------------------------------------------- the service

type Service = ServiceProcess;

/** Starts the service of `tree` as its `pnpm start` would (the root package.json's script itself, without pnpm). */
function startServiceOf(tree: string, env: Record<string, string>): Promise<Service> {
  const script = (JSON.parse(readFileSync(join(tree, "package.json"), "utf8")) as { scripts: { start: string } }).scripts.start;
  return startService("sh", ["-c", script], tree, env);
}

/** CPU time (user + system) of a process so far, in ms. */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}

// ---------------------------------------------------------------- the load

/** Sends creates with a unique amount each, and times each one to its response and to its frame. */
class Load {
  private seq = 0;
  private readonly sentAt = new Map<number, number>();
  readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  outstanding = 0;
  private sse: { ready: Promise<void>; close(): void } | undefined;
  /** Filled while recording. */
  http: number[] = [];
  endToEnd: number[] = [];
  created = 0;
  failed = 0;
  private expected = new Set<number>();

  constructor(readonly url: string) {}

  connectStream(): Promise<void> {
    this.sse = createdStream(this.url, (amount) => this.arrived(Number(amount)));
    return this.sse.ready;
  }

  private arrived(seq: number): void {
    const at = this.sentAt.get(seq);
    if (at === undefined) return;
    this.sentAt.delete(seq);
    this.expected.delete(seq);
    this.endToEnd.push(performance.now() - at);
  }

  reset(): void {
    this.http = [];
    this.endToEnd = [];
    this.created = 0;
    this.failed = 0;
    this.expected.clear();
    this.sentAt.clear();
  }

  /** Events created whose frame has not arrived yet. */
  get missing(): number {
    return this.expected.size;
  }

  send(): Promise<void> {
    const seq = ++this.seq;
    const body = `{"amount":"${seq}.00","currency":"USD"}`;
    const started = performance.now();
    this.sentAt.set(seq, started);
    this.outstanding += 1;
    return new Promise((resolve) => {
      const request = http.request(
        `${this.url}/api/v1/settlements`,
        { method: "POST", agent: this.agent, headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json", "Content-Length": body.length } },
        (response) => {
          response.resume();
          response.on("end", () => {
            this.outstanding -= 1;
            this.http.push(performance.now() - started);
            if (response.statusCode === 201) {
              this.created += 1;
              if (this.sentAt.has(seq)) this.expected.add(seq);
            } else {
              this.failed += 1;
              this.sentAt.delete(seq);
            }
            resolve();
          });
        },
      );
      request.on("error", () => {
        this.outstanding -= 1;
        this.failed += 1;
        this.sentAt.delete(seq);
        resolve();
      });
      request.end(body);
    });
  }

  /** Waits until every created event's frame arrived, or `ms` passed. */
  async drain(ms: number): Promise<void> {
    const deadline = performance.now() + ms;
    while (this.expected.size > 0 && performance.now() < deadline) await sleep(10);
  }

  close(): void {
    this.sse?.close();
    this.agent.destroy();
  }
}

interface Phase {
  target: number | "flat out";
  seconds: number;
  reached: number;
  httpMs: { p50: number; p99: number };
  endToEndMs: { p50: number; p95: number; p99: number };
  created: number;
  failed: number;
  delivered: boolean;
  serviceCpuMsPerCreate: number;
  generatorCpuMsPerCreate: number;
}

async function measure(load: Load, pid: number, target: Phase["target"], drive: () => Promise<void>): Promise<Phase> {
  load.reset();
  const cpuBefore = cpuMsOf(pid);
  const ownBefore = process.cpuUsage();
  const started = performance.now();
  await drive();
  const seconds = (performance.now() - started) / 1000;
  const serviceCpu = cpuMsOf(pid) - cpuBefore;
  const own = process.cpuUsage(ownBefore);
  await load.drain(30_000);
  const http = [...load.http].sort((a, b) => a - b);
  const e2e = [...load.endToEnd].sort((a, b) => a - b);
  return {
    target,
    seconds,
    reached: load.created / seconds,
    httpMs: { p50: percentile(http, 50), p99: percentile(http, 99) },
    endToEndMs: { p50: percentile(e2e, 50), p95: percentile(e2e, 95), p99: percentile(e2e, 99) },
    created: load.created,
    failed: load.failed,
    delivered: load.missing === 0,
    serviceCpuMsPerCreate: serviceCpu / Math.max(1, load.created),
    generatorCpuMsPerCreate: (own.user + own.system) / 1000 / Math.max(1, load.created),
  };
}

/** Sends `rate` creates per second for SECONDS, on schedule, whatever the answers take. */
async function openLoop(load: Load, rate: number): Promise<void> {
  const total = rate * SECONDS;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
    while (sent < due && load.outstanding < MAX_OUTSTANDING) {
      inFlight.push(load.send());
      sent += 1;
    }
    await sleep(1);
    if (performance.now() - started > SECONDS * 1000 * 3) break;
  }
  await Promise.all(inFlight);
}

async function flatOut(load: Load): Promise<void> {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() - started < SECONDS * 1000) await load.send();
    }),
  );
}

// ---------------------------------------------------------------- round trips

/**
 * A TCP proxy to PostgreSQL that counts the client's round trips (simple
 * queries 'Q' and extended-protocol syncs 'S', each answered by one
 * ReadyForQuery 'Z') and sums the time from each to its answer: the time
 * the service spent waiting on the database.
 */
async function countingProxy(target: { host: string; port: number }): Promise<{ port: number; totals(): { roundTrips: number; waitingMs: number }; close(): Promise<void> }> {
  let roundTrips = 0;
  let waitingMs = 0;
  const sockets = new Set<net.Socket>();
  /** Splits a stream of messages (type byte + int32 length) and calls `onType` for each; the first may be an untyped startup message. */
  const messages = (startsTyped: boolean, onType: (type: number) => void) => {
    let buffer: Buffer = Buffer.alloc(0);
    let typed = startsTyped;
    return (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      while (buffer.length >= 5) {
        const length = typed ? buffer.readInt32BE(1) + 1 : buffer.readInt32BE(0);
        if (buffer.length < length) break;
        if (typed) onType(buffer[0]!);
        typed = true;
        buffer = buffer.subarray(length);
      }
    };
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    const sentAt: number[] = [];
    const fromClient = messages(false, (type) => {
      if (type === 0x51 || type === 0x53) {
        roundTrips += 1;
        sentAt.push(performance.now());
      }
    });
    const fromServer = messages(true, (type) => {
      if (type !== 0x5a) return;
      const at = sentAt.shift();
      if (at !== undefined) waitingMs += performance.now() - at;
    });
    client.on("data", (chunk: Buffer) => {
      fromClient(chunk);
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      fromServer(chunk);
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    totals: () => ({ roundTrips, waitingMs }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

interface Idle {
  httpMs: { p50: number; p99: number };
  /** Round trips to PostgreSQL made while a create request was open (the request's own, and any background work meanwhile). */
  roundTripsPerCreate: number;
  /** The time those round trips took (from sending each to its ReadyForQuery), median per create. */
  databaseMs: number;
  /** HTTP p50 divided by databaseMs. */
  ratio: number;
}

async function idlePosts(load: Load): Promise<number[]> {
  const times: number[] = [];
  for (let n = 0; n < IDLE_POSTS; n += 1) {
    load.reset();
    await load.send();
    times.push(load.http[0]!);
    await sleep(10);
  }
  return times.sort((a, b) => a - b);
}

async function measureIdle(tree: string, dbUrl: string, load: Load): Promise<Idle> {
  const times = await idlePosts(load);
  // The database's share: a second instance of the service, connected through the counting proxy.
  const url = new URL(dbUrl);
  const proxy = await countingProxy({ host: url.hostname, port: Number(url.port || 5432) });
  const proxied = await startServiceOf(tree, { DATABASE_URL: Object.assign(new URL(dbUrl), { host: `127.0.0.1:${proxy.port}` }).toString() });
  const counted = new Load(proxied.url);
  let roundTrips = 0;
  const waits: number[] = [];
  const samples = Math.min(IDLE_POSTS, 100);
  try {
    await counted.connectStream();
    for (let n = 0; n < 50; n += 1) await counted.send(); // warm-up
    await sleep(500);
    for (let n = 0; n < samples; n += 1) {
      const before = proxy.totals();
      await counted.send();
      const after = proxy.totals();
      roundTrips += after.roundTrips - before.roundTrips;
      waits.push(after.waitingMs - before.waitingMs);
      await sleep(20);
    }
  } finally {
    counted.close();
    await stopService(proxied);
    await proxy.close();
  }
  const p50 = percentile(times, 50);
  const databaseMs = percentile(waits.sort((a, b) => a - b), 50);
  return { httpMs: { p50, p99: percentile(times, 99) }, roundTripsPerCreate: roundTrips / samples, databaseMs, ratio: p50 / databaseMs };
}

async function measureIdlePglite(load: Load): Promise<Idle> {
  const times = await idlePosts(load);
  return { httpMs: { p50: percentile(times, 50), p99: percentile(times, 99) }, roundTripsPerCreate: NaN, databaseMs: NaN, ratio: NaN };
}

// ---------------------------------------------------------------- raw inserts

/** One-row INSERT per transaction from 16 connections for SECONDS: the database's own ceiling. */
async function rawInsertRate(dbUrl: string): Promise<number> {
  await withClient(dbUrl, (client) => client.query("create table bench_raw (id text primary key, tenant_id text, payload jsonb, created_at timestamptz default now())"));
  const pool = new pg.Pool({ connectionString: dbUrl, max: 16 });
  let count = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      const client = await pool.connect();
      try {
        while (performance.now() - started < SECONDS * 1000) {
          await client.query("insert into bench_raw (id, tenant_id, payload) values ($1, 'bench', $2)", [randomBytes(12).toString("hex"), '{"amount":"1.00","currency":"USD"}']);
          count += 1;
        }
      } finally {
        client.release();
      }
    }),
  );
  const rate = count / ((performance.now() - started) / 1000);
  await pool.end();
  await withClient(dbUrl, (client) => client.query("drop table bench_raw"));
  return rate;
}

// ---------------------------------------------------------------- systems

interface SystemResult {
  system: string;
  target: Target;
  idle: Idle;
  phases: Phase[];
  rawInsertsPerSecond: number | null;
}

/** A tree of the baseline commit, installed (kept between runs under the OS's temp dir). */
function baselineTree(ref: string): { name: string; tree: string } {
  const sha = execFileSync("git", ["rev-parse", "--short", ref], { cwd: ROOT, encoding: "utf8" }).trim();
  const tree = join(os.tmpdir(), `org-bench-e2e-${sha}`);
  if (!existsSync(join(tree, "node_modules"))) {
    rmSync(tree, { recursive: true, force: true });
    mkdirSync(tree, { recursive: true });
    execFileSync("sh", ["-c", `git -C '${ROOT}' archive ${sha} | tar -x -C '${tree}'`]);
    console.error(`installing the baseline ${sha} in ${tree}…`);
    execFileSync("pnpm", ["install", "--frozen-lockfile", "--prefer-offline"], { cwd: tree, stdio: "ignore" });
  }
  return { name: `baseline ${sha}`, tree };
}

async function runSystem(name: string, tree: string, target: Target): Promise<SystemResult> {
  console.error(`${name} on ${target}…`);
  const dbName = `bench_e2e_${randomBytes(4).toString("hex")}`;
  const dataDir = target === "pglite" ? mkdtempSync(join(os.tmpdir(), "bench-e2e-pglite-")) : undefined;
  if (target === "postgres") await withClient(BASE_URL, (client) => client.query(`create database "${dbName}"`));
  const dbUrl = databaseUrl(dbName);
  let service: Service | undefined;
  let load: Load | undefined;
  try {
    service = await startServiceOf(tree, target === "postgres" ? { DATABASE_URL: dbUrl } : { DATA_DIR: dataDir! });
    load = new Load(service.url);
    await load.connectStream();
    // Warm up: 2,000 creates with 32 in flight compile the hot paths and open the pool's connections (a cold
    // service answers its first second of a burst up to ~1.5 s late while it opens them).
    const warming = load;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        for (let n = 0; n < WARM_UP_CREATES / 32; n += 1) await warming.send();
      }),
    );
    await load.drain(10_000);
    const idle = target === "postgres" ? await measureIdle(tree, dbUrl, load) : await measureIdlePglite(load);
    const phases: Phase[] = [];
    for (const rate of RATES) {
      const phase = await measure(load, service.child.pid!, rate, () => openLoop(load!, rate));
      console.error(`  ${rate}/s: reached ${phase.reached.toFixed(0)}/s, POST→SSE p50 ${phase.endToEndMs.p50.toFixed(1)} p99 ${phase.endToEndMs.p99.toFixed(1)} ms`);
      phases.push(phase);
      await sleep(1_000);
    }
    const flat = await measure(load, service.child.pid!, "flat out", () => flatOut(load!));
    console.error(`  flat out: ${flat.reached.toFixed(0)}/s`);
    phases.push(flat);
    load.close();
    await stopService(service);
    service = undefined;
    const rawInsertsPerSecond = target === "postgres" ? await rawInsertRate(dbUrl) : null;
    return { system: name, target, idle, phases, rawInsertsPerSecond };
  } finally {
    load?.close();
    if (service) await stopService(service);
    if (target === "postgres") await withClient(BASE_URL, (client) => client.query(`drop database if exists "${dbName}" with (force)`));
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- report

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }) : "–");

/** One table per database: a row per load, each cell "baseline → this tree" when a baseline was measured. */
function table(results: SystemResult[]): string {
  const cells = (result: SystemResult) => [
    [`${fmt(result.idle.httpMs.p50, 1)} / ${fmt(result.idle.httpMs.p99, 1)}`, "–", "–", "–", "–"],
    ...result.phases.map((p) => [
      `${fmt(p.httpMs.p50, 1)} / ${fmt(p.httpMs.p99, 1)}`,
      `${fmt(p.reached)}/s`,
      `${fmt(p.endToEndMs.p50, 1)} / ${fmt(p.endToEndMs.p95, 1)} / ${fmt(p.endToEndMs.p99, 1)}`,
      `${p.delivered ? "yes" : "NO"}${p.failed > 0 ? ` (${p.failed} failed)` : ""}`,
      fmt(p.serviceCpuMsPerCreate, 2),
    ]),
  ];
  const columns = results.map(cells);
  const loads = ["one POST at a time, idle", ...results.at(-1)!.phases.map((p) => (p.target === "flat out" ? `flat out, ${CONCURRENCY} in flight` : `${fmt(p.target)} creates/s`))];
  const lines = [
    `| load | HTTP p50 / p99 (ms) | reached | POST → SSE p50 / p95 / p99 (ms) | every event delivered | service CPU per create (ms) |`,
    `|---|---|---|---|---|---|`,
  ];
  loads.forEach((load, row) => {
    const joined = [0, 1, 2, 3, 4].map((column) => columns.map((c) => c[row]?.[column] ?? "–").join(" → "));
    lines.push(`| ${load} | ${joined.join(" | ")} |`);
  });
  return lines.join("\n");
}

/** The service's goals, judged on this tree's PostgreSQL run. */
function goals(result: SystemResult): string[] {
  const at = (rate: number) => result.phases.find((p) => p.target === rate);
  const verdict = (met: boolean) => (met ? "**met**" : "**not met**");
  const lines: string[] = [];
  const p500 = at(500);
  if (p500) lines.push(`- POST → SSE p50 <= 5 ms and p99 <= 20 ms at 500 creates/s: ${fmt(p500.endToEndMs.p50, 1)} ms and ${fmt(p500.endToEndMs.p99, 1)} ms, ${verdict(p500.endToEndMs.p50 <= 5 && p500.endToEndMs.p99 <= 20 && p500.reached >= 490)}.`);
  const p2000 = at(2000);
  if (p2000) lines.push(`- >= 2,000 creates/s sustained with POST → SSE p99 under 100 ms, every event delivered: reached ${fmt(p2000.reached)}/s, p99 ${fmt(p2000.endToEndMs.p99, 1)} ms, ${p2000.delivered ? "all delivered" : "NOT all delivered"}, ${verdict(p2000.reached >= 1_960 && p2000.endToEndMs.p99 < 100 && p2000.delivered)}.`);
  lines.push(`- one POST on an idle service within 2x its database round trips: ${fmt(result.idle.ratio, 2)}x, ${verdict(result.idle.ratio <= 2)}.`);
  return lines;
}

function report(results: SystemResult[], machine: Record<string, string>): string {
  const parts = [
    "# End to end: from POST to the SSE client",
    "",
    "Written by `pnpm bench e2e` (bench/e2e.ts; the header of that file says what each row measures). Do not edit by hand.",
    "",
    `Machine: ${machine.cpus}, ${machine.memory}, Node ${process.versions.node}, ${machine.postgres}; run ${new Date().toISOString()}. The service, PostgreSQL and the load generator (this process) share the cores.`,
    `Open-loop phases last ${SECONDS} s each; one SSE client reads \`settlement.created\`. ${BASELINE ? `Each cell reads "${results[0]!.system} → this tree", measured in the same run.` : ""}`,
    ...(QUICK ? ["", "> **Smoke run (`BENCH_QUICK=1`)**: short phases at low rates; these figures only show that the benchmark runs."] : []),
  ];
  for (const target of TARGETS) {
    const runs = results.filter((result) => result.target === target);
    const current = runs.at(-1)!;
    parts.push("", `## ${target === "postgres" ? "PostgreSQL" : "Embedded PGlite (the zero-setup default, one process)"}`, "", table(runs), "");
    if (target === "postgres") {
      for (const result of runs) {
        parts.push(
          `${result.system}: idle, a create made ${fmt(result.idle.roundTripsPerCreate, 1)} round trips to PostgreSQL while its request was open, taking ${fmt(result.idle.databaseMs, 2)} ms (median, timed on the wire); the POST took ${fmt(result.idle.httpMs.p50, 2)} ms, ${fmt(result.idle.ratio, 2)}x its database round trips. Raw one-row INSERT transactions on the same database (16 connections, no service): ${fmt(result.rawInsertsPerSecond ?? NaN)}/s.`,
          "",
        );
      }
      parts.push("Goals:", ...goals(current), "");
    }
  }
  return parts.join("\n") + "\n";
}

async function main() {
  if (QUICK && process.env.BENCH_E2E_BASELINE) console.error("BENCH_QUICK=1: BENCH_E2E_BASELINE is ignored (the smoke measures this tree only)");
  const postgres = await withClient(BASE_URL, async (client) => (await client.query<{ server_version: string }>("show server_version")).rows[0]!.server_version);
  const machine = { cpus: `${os.cpus().length} cores (${os.cpus()[0]?.model.trim()})`, memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`, postgres: `PostgreSQL ${postgres}` };
  const systems = [...(BASELINE ? [baselineTree(BASELINE)] : []), { name: "this tree", tree: ROOT }];
  const results: SystemResult[] = [];
  for (const target of TARGETS) {
    for (const { name, tree } of systems) results.push(await runSystem(name, tree, target));
  }
  const markdown = report(results, machine);
  console.log(`\n${markdown}`);
  // The smoke's JSON says so; a full run's keeps its shape.
  console.error(`wrote ${writeResults("e2e", { machine, seconds: SECONDS, ...(QUICK ? { quick: true } : {}), results })}`);
  mkdirSync(reportsDir, { recursive: true });
  writeFileSync(join(reportsDir, "END-TO-END.md"), markdown);
  console.error(`wrote ${join(reportsDir, "END-TO-END.md")}`);
}

await main();
