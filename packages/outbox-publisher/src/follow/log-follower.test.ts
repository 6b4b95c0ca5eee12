import { createEventStore, type DomainEvent } from "@org/events";
import { useTestDatabase } from "@org/test-harness";
import fc from "fast-check";
import { afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { createEventPublisher } from "../feed/ordered-feed.js";
import { writeOutOfOrder } from "../test-support/out-of-order-writers.js";
import { replayOrder, resetOutbox, setUpOutbox, unpublishedCount, waitFor, writeEvents } from "../test-support/fixtures.js";
import { notifyEventsCommitted } from "../wake/notify.js";
import { pgListener } from "../wake/pg-listener.js";
import { sql } from "kysely";
import { createLogFollower, type LogFollower } from "./log-follower.js";

const database = useTestDatabase();
beforeAll(async () => setUpOutbox(database.db));
beforeEach(async () => resetOutbox(database.db));

const followers: LogFollower[] = [];
afterEach(async () => {
  await Promise.all(followers.splice(0).map((follower) => follower.stop()));
});

function follow(options: Parameters<typeof createLogFollower>[1] = {}) {
  const follower = createLogFollower(database.connect({ max: 2 }), options);
  followers.push(follower);
  const seen: string[] = [];
  follower.onEvent((event) => void seen.push(event.id));
  return { follower, seen };
}

describe("createLogFollower", () => {
  test("three followers beside the relay each deliver every event once, in the store's replay order, out-of-order commits included", async () => {
    await writeEvents(database.db, 5); // before the start: not delivered from "head"
    const relay = createEventPublisher(database.connect({ max: 2 }), { listen: pgListener({ connectionString: database.url }), pollIntervalMs: 200 });
    const instances = [0, 1, 2].map(() => follow({ listen: pgListener({ connectionString: database.url, applicationName: "log-follower" }), pollIntervalMs: 200 }));
    await relay.start();
    await Promise.all(instances.map(({ follower }) => follower.start()));
    try {
      const written = await writeOutOfOrder(database.db, { waves: 15, concurrent: 6, perTransaction: 3 });
      const order = (await replayOrder(database.db)).slice(5);
      expect(order).toHaveLength(written.length);
      await waitFor(() => instances.every(({ seen }) => seen.length >= order.length), 20_000, "every follower to deliver everything");
      for (const { seen } of instances) expect(seen).toEqual(order);
      // The relay still marks: followers took nothing from it.
      await waitFor(async () => (await unpublishedCount(database.db)) === 0, 20_000, "the relay to mark everything");
    } finally {
      await relay.stop();
    }
  });

  test("a LISTEN connection killed mid-stream is re-established: wake-ups alone (no poll to speak of) still bring every event", async () => {
    const { follower, seen } = follow({ listen: pgListener({ connectionString: database.url, applicationName: "log-follower-kill", reconnectDelayMs: 20 }), pollIntervalMs: 600_000 });
    await follower.start();
    const written: string[] = [];
    for (let round = 0; round < 3; round += 1) {
      written.push(...(await writeEvents(database.db, 5, { prefix: `r${round}` })));
      await notifyEventsCommitted(database.db);
      await waitFor(() => seen.length === written.length, 10_000, `round ${round}`);
      const { rows } = await sql<{ killed: boolean }>`
        select pg_terminate_backend(pid) as killed from pg_stat_activity where application_name = 'log-follower-kill'`.execute(database.db);
      expect(rows.map((row) => row.killed)).toEqual([true]);
    }
    written.push(...(await writeEvents(database.db, 5, { prefix: "last" })));
    await notifyEventsCommitted(database.db);
    await waitFor(() => seen.length === written.length, 10_000, "the last round");
    expect(seen).toEqual(await replayOrder(database.db));
    expect(follower.getStats().errors).toBeGreaterThan(0); // it noticed
  });

  test("polls without wake-ups; from a checkpoint or the start of the log", async () => {
    const before = await writeEvents(database.db, 4);
    const order = await replayOrder(database.db);
    const fromStart = follow({ from: "start", pollIntervalMs: 20 });
    const { follower: probe } = follow({ from: "head" });
    await probe.start();
    const fromSecond = follow({ from: probe.checkpoint!, pollIntervalMs: 20 });
    await fromStart.follower.start();
    await fromSecond.follower.start();
    const after = await writeEvents(database.db, 3);
    const all = await replayOrder(database.db);
    await waitFor(() => fromStart.seen.length === 7 && fromSecond.seen.length === 3, 10_000, "polled reads");
    expect(fromStart.seen).toEqual(all);
    expect(fromSecond.seen).toEqual(all.slice(4));
    expect(new Set([...before, ...after])).toEqual(new Set(all));
    expect(order).toEqual(all.slice(0, 4));
  });

  test("accept() delivers what a carrier brings first and skips it when a read brings it again; catchUp() fills a hole", async () => {
    const { follower, seen } = follow({ pollIntervalMs: 0 });
    await follower.start();
    await writeEvents(database.db, 3);
    const store = (await import("@org/events")).createEventStore(database.db);
    const events = (await store.readAfter(null)).events;
    // The carrier brings the first event, then loses the second: the caller sees the hole and catches up.
    expect(await follower.accept(events[0]!)).toBe(true);
    expect(await follower.accept(events[0]!)).toBe(false);
    await follower.catchUp();
    expect(await follower.accept(events[2]!)).toBe(false);
    expect(seen).toEqual(events.map((event) => event.id));
    expect(follower.getStats()).toMatchObject({ delivered: 3, skipped: 2 });
    expect(follower.checkpoint).toEqual({ transactionId: events[2]!.transactionId, position: events[2]!.position });
  });

  test("property: a carrier that brings events in order, drops some (then the caller catches up) and re-sends others never makes the follower skip, double or reorder", async () => {
    const store = createEventStore(database.db);
    const step = fc.oneof(
      fc.record({ kind: fc.constant("write" as const), count: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constantFrom("carry" as const, "drop" as const, "resend" as const, "catchUp" as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        const follower = createLogFollower(database.db, { pollIntervalMs: 0 });
        const seen: string[] = [];
        follower.onEvent((event) => void seen.push(event.id));
        await follower.start();
        const start = follower.checkpoint;
        const log: DomainEvent[] = []; // what committed since the start, in replay order
        let carried = 0; // the carrier's place in `log`
        let dropped = false;
        for (const { kind, ...rest } of steps) {
          if (kind === "write") {
            await writeEvents(database.db, (rest as { count: number }).count);
            log.push(...(await store.readAfter(log.at(-1) ?? start)).events);
          } else if (kind === "carry" && carried < log.length) {
            if (dropped) await follower.catchUp(); // the contract: a hole is filled before the carrier goes on
            dropped = false;
            await follower.accept(log[carried++]!);
          } else if (kind === "drop" && carried < log.length) {
            carried += 1;
            dropped = true;
          } else if (kind === "resend" && seen.length > 0) {
            expect(await follower.accept(log[seen.length - 1]!)).toBe(false); // already delivered: skipped
          } else if (kind === "catchUp") {
            await follower.catchUp();
            dropped = false;
            carried = log.length;
          }
          // At every step: a prefix of the log, in order, nothing twice.
          expect(seen).toEqual(log.slice(0, seen.length).map((event) => event.id));
        }
        await follower.catchUp();
        expect(seen).toEqual(log.map((event) => event.id));
      }),
      { numRuns: 30 },
    );
  });

  test("a failing handler is reported and the follower goes on", async () => {
    const errors: unknown[] = [];
    const { follower, seen } = follow({ pollIntervalMs: 20, onError: (error) => errors.push(error) });
    follower.onEvent(() => {
      throw new Error("handler down");
    });
    await follower.start();
    await writeEvents(database.db, 2);
    await waitFor(() => seen.length === 2, 10_000, "two events");
    expect(errors).toEqual([new Error("handler down"), new Error("handler down")]);
  });

  test("contradictory or out-of-range options are refused", () => {
    const bad = [{ pollIntervalMs: -1 }, { batchSize: 0 }, { pollIntervalMs: 10, minReadIntervalMs: 20 }, { from: "middle" }, { from: { transactionId: "x", position: 1 } }];
    for (const options of bad) expect(() => createLogFollower(database.db, options as never), JSON.stringify(options)).toThrow(expect.objectContaining({ name: "OutboxError", code: "invalid_options" }));
  });
});
