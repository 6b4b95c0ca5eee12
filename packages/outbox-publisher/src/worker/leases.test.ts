import { useTestDatabase } from "@org/test-harness";
import { sql, type KyselyPlugin } from "kysely";
import { afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import type { OutboxMetric } from "../stats/metrics.js";
import { resetOutbox, setUpOutbox, waitFor, writeEvents } from "../test-support/fixtures.js";
import { createEventWorker } from "./event-worker.js";

const database = useTestDatabase();
beforeAll(async () => setUpOutbox(database.db));
beforeEach(async () => resetOutbox(database.db));
afterEach(() => vi.restoreAllMocks());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function claimOf(group: string, eventId: string) {
  const { rows } = await sql<{ locked_by: string | null; locked_until: Date | null; attempts: number; status: string }>`
    select locked_by, locked_until, attempts, status from domain_events_deliveries
    where group_name = ${group} and event_id = ${eventId}`.execute(database.db);
  return rows[0];
}

const queued = async (group: string) =>
  Number((await sql<{ n: string }>`select count(*) as n from domain_events_deliveries where group_name = ${group}`.execute(database.db)).rows[0]!.n);

describe("worker leases are renewed while held", () => {
  test("a handler running several lease periods keeps its claim: a second worker never handles that event meanwhile, and it is handled once", async () => {
    const LEASE_MS = 300;
    const [slowId] = await writeEvents(database.db, 1, { prefix: "slow" });
    const others = await writeEvents(database.db, 40, { aggregates: 4, prefix: "fast" });
    const handling = new Map<string, string>(); // event id → worker handling it now
    const counts = new Map<string, number>();
    const overlaps: string[] = [];
    const lockedBy = new Set<string | null>();
    const lockedUntil: number[] = [];
    const metrics: OutboxMetric[] = [];

    const workerFor = (name: string, db = database.db) =>
      createEventWorker(db, {
        group: "slow",
        workerId: name,
        leaseMs: LEASE_MS,
        pollIntervalMs: 10,
        onMetric: (metric) => metrics.push(metric),
        async handler(event) {
          if (handling.has(event.id)) overlaps.push(`${event.id}: ${name} while ${handling.get(event.id)}`);
          handling.set(event.id, name);
          counts.set(event.id, (counts.get(event.id) ?? 0) + 1);
          if (event.id === slowId) {
            // hold it for more than five lease periods, and until the other worker has drained the rest
            const started = Date.now();
            while (Date.now() - started < 5.5 * LEASE_MS || others.some((id) => !counts.has(id))) {
              const claim = await claimOf("slow", event.id);
              lockedBy.add(claim?.locked_by ?? null);
              if (claim?.locked_until) lockedUntil.push(claim.locked_until.getTime());
              await sleep(LEASE_MS / 6);
            }
          }
          handling.delete(event.id);
        },
      });
    const first = workerFor("worker-a");
    const second = workerFor("worker-b", database.connect({ max: 5 }));
    await first.start();
    await second.start();
    await waitFor(async () => others.every((id) => counts.has(id)) && counts.has(slowId!) && (await queued("slow")) === 0, 30_000, "every event");
    await first.stop();
    await second.stop();

    expect(overlaps).toEqual([]);
    expect(counts.get(slowId!)).toBe(1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(counts.size).toBe(others.length + 1);
    // the claim stayed with the worker handling it, and its lease moved on past the first one
    expect(lockedBy.size).toBe(1);
    expect([...lockedBy][0]).toMatch(/^worker-[ab]$/);
    expect(Math.max(...lockedUntil) - Math.min(...lockedUntil)).toBeGreaterThan(LEASE_MS);
    expect(metrics.filter((m) => m.type === "lease_lost" || m.type === "error")).toEqual([]);
    expect(first.getStats().leasesLost + second.getStats().leasesLost).toBe(0);
  });

  test("a worker whose claim was taken over neither deletes nor alters the new holder's delivery, and reports lease_lost", async () => {
    // a long lease: no renewal runs during the test, so the guarded writes themselves meet the takeover
    const [doneId] = await writeEvents(database.db, 1, { prefix: "done" });
    const [failedId] = await writeEvents(database.db, 1, { prefix: "failed" });
    const handled: string[] = [];
    const metrics: OutboxMetric[] = [];
    const takeOver = (eventId: string) =>
      sql`update domain_events_deliveries set locked_by = 'usurper', locked_until = now() + interval '10 minutes'
        where group_name = 'takeover' and event_id = ${eventId}`.execute(database.db);
    const worker = createEventWorker(database.db, {
      group: "takeover",
      workerId: "late-worker",
      leaseMs: 60_000,
      pollIntervalMs: 10,
      retry: { maxAttempts: 1 },
      onMetric: (metric) => metrics.push(metric),
      async handler(event) {
        handled.push(event.id);
        await takeOver(event.id);
        if (event.id === failedId) throw new Error("failed after losing the claim");
      },
    });
    await worker.start();
    await waitFor(() => metrics.filter((m) => m.type === "lease_lost").length === 2, 20_000, "two lost leases");
    await worker.stop();

    expect(handled.sort()).toEqual([doneId, failedId].sort());
    expect(await claimOf("takeover", doneId!)).toMatchObject({ locked_by: "usurper", status: "pending", attempts: 0 });
    expect(await claimOf("takeover", failedId!)).toMatchObject({ locked_by: "usurper", status: "pending", attempts: 0 });
    expect(new Set(metrics.filter((m) => m.type === "lease_lost").map((m) => (m as { eventId: string }).eventId))).toEqual(new Set([doneId, failedId]));
    expect(metrics.some((m) => m.type === "dead_lettered" || m.type === "retry_scheduled")).toBe(false);
    expect(worker.getStats()).toMatchObject({ leasesLost: 2, deadLettered: 0 });
  });

  test("a failed renewal is reported as an error and retried on the next tick; the claim is kept", async () => {
    let failRenewals = 0;
    let queries = 0;
    const failing: KyselyPlugin = {
      transformQuery(args) {
        queries++;
        if (failRenewals > 0) {
          failRenewals--;
          throw new Error("connection refused (injected)");
        }
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const [eventId] = await writeEvents(database.db, 1, { prefix: "flaky" });
    const metrics: OutboxMetric[] = [];
    const worker = createEventWorker(database.db.withPlugin(failing), {
      group: "flaky",
      workerId: "flaky-worker",
      leaseMs: 600,
      pollIntervalMs: 10,
      onMetric: (metric) => metrics.push(metric),
      async handler() {
        // while the handler runs, this worker's only queries are renewals
        failRenewals = 1;
        await waitFor(() => failRenewals === 0, 10_000, "the failed renewal");
        const after = queries;
        await waitFor(() => queries > after, 10_000, "the next renewal");
        await sleep(50);
      },
    });
    await worker.start();
    await waitFor(async () => metrics.some((m) => m.type === "delivered") && (await queued("flaky")) === 0, 20_000, "the delivery");
    await worker.stop();

    const errors = metrics.filter((m) => m.type === "error");
    expect(errors).toHaveLength(1);
    expect(String((errors[0] as { error: unknown }).error)).toContain("connection refused (injected)");
    expect(metrics.filter((m) => m.type === "lease_lost")).toEqual([]);
    expect(metrics.filter((m) => m.type === "delivered").map((m) => (m as { eventId: string }).eventId)).toEqual([eventId]);
  });

  test("stop() clears the renewal timer", async () => {
    const RENEWAL_MS = 37;
    const setIntervalSpy = vi.spyOn(globalThis, "setInterval");
    const clearIntervalSpy = vi.spyOn(globalThis, "clearInterval");
    await writeEvents(database.db, 3, { aggregates: 3 });
    let handled = 0;
    const worker = createEventWorker(database.db, {
      group: "timers",
      leaseMs: 300,
      leaseRenewalIntervalMs: RENEWAL_MS,
      pollIntervalMs: 10,
      async handler() {
        await sleep(3 * RENEWAL_MS); // renewals run meanwhile
        handled++;
      },
    });
    await worker.start();
    await waitFor(async () => handled === 3 && (await queued("timers")) === 0, 20_000, "three deliveries");
    await worker.stop();

    const renewalTimers = setIntervalSpy.mock.calls
      .map((call, i) => ({ ms: call[1], timer: setIntervalSpy.mock.results[i]!.value as NodeJS.Timeout }))
      .filter(({ ms }) => ms === RENEWAL_MS)
      .map(({ timer }) => timer);
    expect(renewalTimers).toHaveLength(1);
    expect(clearIntervalSpy.mock.calls.map((call) => call[0])).toContain(renewalTimers[0]);
  });
});
