import { useTestDatabase } from "@org/test-harness";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { spawnServer, type ServerProcess } from "../e2e/support/spawn-server.js";
import { adminUrlOf, databaseNameOf, queryOnce, terminateDatabaseConnections } from "./support/admin.js";
import { countingStream } from "./support/counting-stream.js";
import { report, scale } from "./support/report.js";
import { statusCounts, steadyWriter } from "./support/steady-writer.js";
import { startTcpProxy, throughProxy, type ProxyMode, type TcpProxy } from "./support/tcp-proxy.js";

/**
 * The database goes away under a steady write load, three ways: the path
 * is cut (connections reset, new ones refused), the host goes dark (new
 * connections hang), and every backend of the app's database is ended with
 * pg_terminate_backend. The server process must live through all of it,
 * answer fast with 503 + Retry-After, say "not ready" while /healthz stays
 * up, and recover by itself: every write that got a 2xx reaches a resuming
 * SSE client.
 */
const database = useTestDatabase();
const KEY = "chaos-db-faults-key-1";
/** The documented bound: no request waits longer than this while the database is gone (connect timeout 2 s, plus slack for a busy machine). */
const REQUEST_BOUND_MS = 6_000;
const OUTAGE_MS = scale(2_000, 6_000);
const RATE = scale(40, 100);

let proxy: TcpProxy;
let server: ServerProcess;

beforeAll(async () => {
  const adminUrl = new URL(adminUrlOf(database.url));
  proxy = await startTcpProxy({ host: adminUrl.hostname, port: Number(adminUrl.port || 5432) });
  server = await spawnServer({
    DATABASE_URL: throughProxy(database.url, proxy),
    API_KEYS: `tenant-chaos:${KEY}`,
    SSE_HEARTBEAT_MS: "1000",
    PUBLISHER_POLL_INTERVAL_MS: "200",
    RATE_LIMIT_PER_MINUTE: "0",
  });
});

afterAll(async () => {
  const code = await server?.stop();
  await proxy?.close();
  expect(code).toBe(0);
});

const alive = () => server.child.exitCode === null && server.child.signalCode === null;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function timed(path: string): Promise<{ status: number; ms: number; retryAfter: string | null }> {
  const started = performance.now();
  const response = await fetch(`${server.url}${path}`, { headers: { Authorization: `Bearer ${KEY}` }, signal: AbortSignal.timeout(30_000) });
  await response.body?.cancel();
  return { status: response.status, ms: performance.now() - started, retryAfter: response.headers.get("retry-after") };
}

describe("database faults under a steady write load", () => {
  test("cut, dark host and terminated backends: the process lives, answers 503 fast, recovers, and loses no acknowledged write", { timeout: scale(90_000, 300_000) }, async () => {
    const stream = countingStream({ url: () => server.url, key: KEY });
    const totalMs = 2_000 + 3 * (OUTAGE_MS + 3_000);
    const writer = steadyWriter({ url: () => server.url, key: KEY, ratePerSecond: RATE, total: Math.ceil((RATE * totalMs) / 1000) });
    const during: Record<string, { gone: boolean; readyz: number[]; healthz: number[]; writes: number[] }> = {};

    async function outage(name: string, cut: () => Promise<void> | void, restore: () => void, gone: boolean) {
      const seen = (during[name] = { gone, readyz: [] as number[], healthz: [] as number[], writes: [] as number[] });
      const before = writer.outcomes.length;
      await cut();
      const until = performance.now() + OUTAGE_MS;
      let dropped = false;
      while (performance.now() < until) {
        // Halfway through, the SSE client loses its connection too and resumes while the database may still be away.
        if (!dropped && performance.now() > until - OUTAGE_MS / 2) {
          stream.reconnect();
          dropped = true;
        }
        const [ready, health] = await Promise.all([timed("/readyz"), timed("/healthz")]);
        seen.readyz.push(ready.status);
        seen.healthz.push(health.status);
        expect(ready.ms, "readyz answers within the bound").toBeLessThan(REQUEST_BOUND_MS);
        await sleep(250);
      }
      restore();
      seen.writes = writer.outcomes.slice(before).map((o) => (typeof o.status === "number" ? o.status : -1));
      expect(alive(), `${name}: the process is alive`).toBe(true);
      await sleep(3_000);
    }

    await sleep(2_000);
    const setMode = (mode: ProxyMode) => () => proxy.setMode(mode);
    await outage("path cut (connections reset, new ones refused)", setMode("refuse"), setMode("up"), true);
    await outage("host dark (new connections hang)", setMode("hang"), setMode("up"), true);
    await outage(
      "pg_terminate_backend of every connection of the app's database",
      async () => void (await terminateDatabaseConnections(adminUrlOf(database.url), databaseNameOf(database.url))),
      () => {},
      false,
    );
    await writer.done;

    // Recovery by itself: a write after the faults goes through and reaches the stream.
    const after = await fetch(`${server.url}/api/v1/settlements`, {
      method: "POST",
      headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" },
      body: JSON.stringify({ amount: "1.00", currency: "USD" }),
    });
    expect(after.status).toBe(201);
    writer.acknowledged.add(((await after.json()) as { id: string }).id);
    expect((await timed("/readyz")).status).toBe(200);
    // The relay's lock connection and the LISTEN connection came back by themselves.
    const background = async () =>
      (
        await queryOnce<{ name: string }>(
          adminUrlOf(database.url),
          "select application_name as name from pg_stat_activity where datname = $1 and application_name in ('outbox-leader', 'outbox-listener')",
          [databaseNameOf(database.url)],
        )
      ).map((row) => row.name);
    for (let i = 0; i < 100 && (await background()).length < 2; i++) await sleep(200);
    expect((await background()).sort()).toEqual(["outbox-leader", "outbox-listener"]);

    const deliveredIds = () => new Set([...stream.seen.values()].filter((e) => e.type === "settlement.created").map((e) => e.data.settlement_id as string));
    await stream.until(() => [...writer.acknowledged].every((id) => deliveredIds().has(id)), 60_000);
    await stream.stop();

    const delivered = deliveredIds();
    const lost = [...writer.acknowledged].filter((id) => !delivered.has(id));
    const failures = writer.outcomes.filter((o) => o.status !== 201);
    const slowest = Math.max(0, ...failures.map((o) => o.ms));
    const statuses = statusCounts(writer.outcomes);
    report({
      scenario: "database faults",
      written: writer.acknowledged.size,
      delivered: [...writer.acknowledged].filter((id) => delivered.has(id)).length,
      lost: lost.length,
      duplicates: stream.duplicates,
      ratePerSecond: RATE,
      outageMs: OUTAGE_MS,
      statuses,
      slowestFailedRequestMs: Math.round(slowest),
      reconnections: stream.connections - 1,
      brokenFrames: stream.broken.length,
      during: Object.fromEntries(Object.entries(during).map(([name, s]) => [name, { readyz: statusCounts(s.readyz.map((status) => ({ status, ms: 0, retryAfter: null }))), writes: statusCounts(s.writes.map((status) => ({ status, ms: 0, retryAfter: null }))) }])),
    });

    expect(alive()).toBe(true);
    expect(lost).toEqual([]);
    expect(stream.broken).toEqual([]);
    // While the database was gone: not ready, still healthy, writes refused with 503 + Retry-After, never 500, never hanging.
    for (const [name, seen] of Object.entries(during)) {
      // Terminated backends are replaced at once (the server is still there): only a cut path makes the app not ready.
      if (seen.gone) expect(seen.readyz, name).toContain(503);
      expect(seen.healthz.every((status) => status === 200), name).toBe(true);
    }
    expect(statuses["500"] ?? 0).toBe(0);
    expect(statuses.timeout ?? 0).toBe(0);
    expect(statuses.network_error ?? 0).toBe(0);
    expect(statuses.skipped_in_flight_cap ?? 0).toBe(0);
    expect(statuses["503"] ?? 0).toBeGreaterThan(0);
    expect(writer.outcomes.filter((o) => o.status === 503).every((o) => o.retryAfter !== null)).toBe(true);
    expect(slowest).toBeLessThan(REQUEST_BOUND_MS);
  });
});
