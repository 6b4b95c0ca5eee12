import { useTestDatabase } from "@org/test-harness";
import { sql } from "kysely";
import { afterEach, beforeAll, expect, test } from "vitest";
import { advisoryLockLeader } from "../feed/advisory-lock-leader.js";
import { createEventPublisher, type EventPublisher } from "../feed/ordered-feed.js";
import type { OutboxMetric } from "../stats/metrics.js";
import { setUpOutbox, waitFor, writeEvents } from "../test-support/fixtures.js";
import { notifyEventsCommitted } from "./notify.js";
import { pgListener } from "./pg-listener.js";

const database = useTestDatabase();
let publisher: EventPublisher | undefined;
beforeAll(async () => setUpOutbox(database.db));
afterEach(async () => publisher?.stop());

const backendOf = async (applicationName: string) =>
  (await sql<{ pid: number }>`select pid from pg_stat_activity where application_name = ${applicationName} and datname = current_database()`.execute(database.db)).rows.map((row) => row.pid);
const terminate = async (pid: number) => sql`select pg_terminate_backend(${pid})`.execute(database.db);

function start(seen: string[], metrics: OutboxMetric[], withLeader = false) {
  // The poll is an hour away: only wake-ups can deliver in this test.
  publisher = createEventPublisher(database.db, {
    pollIntervalMs: 3_600_000,
    listen: pgListener({ connectionString: database.url, healthCheckIntervalMs: 200 }),
    ...(withLeader ? { leader: advisoryLockLeader({ connectionString: database.url, retryIntervalMs: 100 }) } : {}),
    onMetric: (metric) => metrics.push(metric),
  });
  publisher.onEvent((event) => void seen.push(event.id));
  return publisher.start();
}

test("the LISTEN connection killed with pg_terminate_backend: the publisher reconnects by itself and strands nothing", async () => {
  const seen: string[] = [];
  const metrics: OutboxMetric[] = [];
  await start(seen, metrics);
  const [first] = await writeEvents(database.db, 1);
  await notifyEventsCommitted(database.db);
  await waitFor(() => seen.includes(first!), 10_000, "the first event");

  const [listener] = await backendOf("outbox-listener");
  await terminate(listener!);
  // committed (and notified) while the listener is gone: the reconnection's own read must find it
  const [whileDeaf] = await writeEvents(database.db, 1);
  await notifyEventsCommitted(database.db);
  await waitFor(() => seen.includes(whileDeaf!), 10_000, "the event written while deaf");
  expect(metrics.some((m) => m.type === "error")).toBe(true);

  const [again] = await backendOf("outbox-listener");
  expect(again).toBeDefined();
  expect(again).not.toBe(listener);
  const [after] = await writeEvents(database.db, 1);
  await notifyEventsCommitted(database.db);
  await waitFor(() => seen.includes(after!), 10_000, "the event after reconnecting");
});

test("the leader's lock connection killed: it steps down, leads again, and relays what came meanwhile", async () => {
  const seen: string[] = [];
  const metrics: OutboxMetric[] = [];
  await start(seen, metrics, true);
  await waitFor(() => publisher!.getStats().isLeader, 10_000, "leadership");
  const [lock] = await backendOf("outbox-leader");
  await terminate(lock!);
  await waitFor(() => metrics.some((m) => m.type === "leadership_lost"), 10_000, "the lost leadership");
  const [meanwhile] = await writeEvents(database.db, 1);
  await notifyEventsCommitted(database.db);
  await waitFor(() => seen.includes(meanwhile!), 10_000, "the event written meanwhile");
  expect(metrics.filter((m) => m.type === "leadership_acquired").length).toBeGreaterThanOrEqual(2);
});
