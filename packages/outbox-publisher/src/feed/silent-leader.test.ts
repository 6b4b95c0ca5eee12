import { useTestDatabase } from "@org/test-harness";
import { afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { countById } from "../test-support/handled-order.js";
import { resetOutbox, setUpOutbox, unpublishedCount, waitFor, writeEvents } from "../test-support/fixtures.js";
import { startPublisherProcess, stopProcesses, type PublisherProcess } from "../test-support/processes.js";
import { startStallingProxy, type StallingProxy } from "../test-support/stalling-proxy.js";

const database = useTestDatabase();
let running: PublisherProcess[] = [];
let proxy: StallingProxy | undefined;
/** A silent process may never finish a graceful stop (its connections hang): it is killed. */
let silent: PublisherProcess | undefined;

beforeAll(async () => setUpOutbox(database.db));
beforeEach(async () => resetOutbox(database.db));
afterEach(async () => {
  silent?.kill("SIGKILL");
  silent = undefined;
  await stopProcesses(running);
  running = [];
  await proxy?.close();
  proxy = undefined;
});

/** The database URL through the proxy. */
function throughProxy(port: number): string {
  const url = new URL(database.url);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return url.toString();
}

describe.each([
  { mode: "default-feed" as const, election: "the default election (lock on a connection of the pool)" },
  { mode: "feed" as const, election: "advisoryLockLeader (lock on a connection of its own)" },
])("a leader whose network goes silent without closing, with $election", ({ mode }) => {
  test("a standby relays within 30 s, and the silent leader handed nothing over after the standby started", async () => {
    const url = new URL(database.url);
    proxy = await startStallingProxy({ host: url.hostname, port: Number(url.port || 5432) });
    // Each event takes 150 ms: a batch of 100 takes 15 s, longer than the server keeps a silent session, so a leader that kept relaying what it had read would overlap the successor.
    const leader = startPublisherProcess({ DATABASE_URL: throughProxy(proxy.port), MODE: mode, HANDLE_MS: "150" });
    running = [leader];
    silent = leader;
    await leader.leader;
    const standbys = [0, 1].map(() => startPublisherProcess({ DATABASE_URL: database.url, MODE: mode }));
    running.push(...standbys);
    await Promise.all(standbys.map((child) => child.ready));

    const ids = await writeEvents(database.db, 1000, { aggregates: 20 });
    await waitFor(() => leader.handled.length >= 30, 20_000, "the leader to be relaying");
    proxy.stall();
    const stalledAt = process.hrtime.bigint();

    await waitFor(() => standbys.some((child) => child.handled.length > 0), 30_000, "a standby to relay within 30 s of the leader going silent");
    const takeoverMs = Number(process.hrtime.bigint() - stalledAt) / 1e6;
    const successor = standbys.find((child) => child.handled.length > 0)!;
    await waitFor(async () => (await unpublishedCount(database.db)) === 0, 40_000, "the feed to drain");
    await waitFor(() => new Set(running.flatMap((child) => child.handled.map((h) => h.eventId))).size >= ids.length, 5_000, "every line");

    const successorStart = successor.handled[0]!.start;
    const leaderLastEnd = leader.handled.reduce((latest, h) => (h.end > latest ? h.end : latest), 0n);
    expect(leaderLastEnd < successorStart).toBe(true);
    expect(standbys.filter((child) => child.handled.length > 0)).toHaveLength(1);
    // what the leader relayed but could not mark comes again: at most one batch
    const handled = running.flatMap((child) => child.handled);
    const duplicates = [...countById(handled).values()].reduce((n, count) => n + count - 1, 0);
    expect(duplicates).toBeLessThanOrEqual(100);
    console.info(`${mode}: takeover ${Math.round(takeoverMs)} ms after the stall; leader handled ${leader.handled.length}, duplicates ${duplicates}`);
  }, 90_000);
});
