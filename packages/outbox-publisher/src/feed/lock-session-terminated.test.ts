import { createPostgresDatabase } from "@org/events/pg";
import { useTestDatabase } from "@org/test-harness";
import { sql } from "kysely";
import { afterEach, beforeAll, beforeEach, expect, test } from "vitest";
import type { OutboxMetric } from "../stats/metrics.js";
import { resetOutbox, setUpOutbox, unpublishedCount, waitFor, writeEvents } from "../test-support/fixtures.js";
import { createEventPublisher } from "./ordered-feed.js";

const database = useTestDatabase();
const cleanups: (() => Promise<void>)[] = [];
beforeAll(async () => setUpOutbox(database.db));
beforeEach(async () => resetOutbox(database.db));
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** The backend that holds the feed's advisory lock in this test's database. */
async function lockHolder(): Promise<number | undefined> {
  // pg_locks is server-wide: only this test's database
  const { rows } = await sql<{ pid: number }>`
    select pid from pg_locks
    where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = current_database())`.execute(database.db);
  return rows[0]?.pid;
}

test("the default election recovers when the server ends the lock's session, on a connection of the caller's pool", async () => {
  const { db } = createPostgresDatabase({ connectionString: database.url, max: 3 });
  const metrics: OutboxMetric[] = [];
  const seen: string[] = [];
  const publisher = createEventPublisher(db, { pollIntervalMs: 20, onMetric: (metric) => metrics.push(metric) });
  publisher.onEvent((event) => void seen.push(event.id));
  cleanups.push(async () => {
    await publisher.stop();
    await db.destroy();
  });
  await publisher.start();
  await waitFor(() => publisher.getStats().isLeader, 10_000, "leadership");
  const first = await writeEvents(database.db, 5);
  await waitFor(() => first.every((id) => seen.includes(id)), 10_000, "the first events");

  const pid = await lockHolder();
  expect(pid).toBeDefined();
  // the session's settings are the leader's own, not left on the pool's other connections
  const { rows } = await sql<{ setting: string }>`select setting from pg_settings where name = 'idle_session_timeout'`.execute(db);
  expect(rows[0]!.setting).toBe("0");
  await sql`select pg_terminate_backend(pid) from pg_stat_activity where pid = ${pid} and datname = current_database()`.execute(database.db);
  await waitFor(() => metrics.some((m) => m.type === "leadership_lost"), 10_000, "the loss");
  await waitFor(async () => (await lockHolder()) !== undefined && (await lockHolder()) !== pid, 10_000, "a new lock session");

  const second = await writeEvents(database.db, 5);
  await waitFor(() => second.every((id) => seen.includes(id)), 10_000, "the events after the loss");
  await waitFor(async () => (await unpublishedCount(database.db)) === 0, 10_000, "the marks");
  expect(metrics.filter((m) => m.type === "leadership_acquired").length).toBeGreaterThanOrEqual(2);
});
