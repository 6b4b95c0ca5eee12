import { useTestDatabase } from "@org/test-harness";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { expect, test } from "vitest";
import { waitFor } from "../test-support/fixtures.js";
import { notifyEventsCommitted } from "./notify.js";
import { pgListener } from "./pg-listener.js";

const database = useTestDatabase();

/** A plain client of another "process" LISTENing on the default channel; counts what reaches it. */
async function outsideListener(): Promise<{ received: () => number; query: (text: string) => Promise<unknown>; end: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  let received = 0;
  client.on("notification", () => received++);
  await client.query("LISTEN outbox_events");
  return { received: () => received, query: (text) => client.query(text), end: () => client.end() };
}

test("notifyEventsCommitted coalesces a burst of calls into one NOTIFY, and a later call sends another", async () => {
  const listener = await outsideListener();
  try {
    await Promise.all(Array.from({ length: 100 }, () => notifyEventsCommitted(database.db)));
    await notifyEventsCommitted(database.db); // a later call sends again
    await waitFor(() => listener.received() === 2, 10_000, "two notifications");
    await listener.query("select 1"); // any straggler would have arrived before this reply
    expect(listener.received()).toBe(2);
  } finally {
    await listener.end();
  }
});

test("notifyEventsCommitted never rejects; a failure goes to onError", async () => {
  const errors: unknown[] = [];
  // a bad channel is a programming error, thrown at once
  expect(() => notifyEventsCommitted(database.db, { channel: "not a channel!" })).toThrow(expect.objectContaining({ name: "OutboxError", code: "invalid_options" }));
  const missing = Object.assign(new URL(database.url), { pathname: "/no_such_database" }).toString();
  const broken = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: missing }) }) });
  try {
    await notifyEventsCommitted(broken, { onError: (error) => errors.push(error) });
  } finally {
    await broken.destroy();
  }
  expect(errors).toHaveLength(1);
});

test("resolveNotifyOptions merges the defaults once and refuses bad values", async () => {
  const { resolveNotifyOptions } = await import("./notify.js");
  expect(resolveNotifyOptions({ channel: undefined })).toMatchObject({ channel: "outbox_events", minIntervalMs: 5 });
  const invalid = expect.objectContaining({ name: "OutboxError", code: "invalid_options" });
  expect(() => resolveNotifyOptions({ minIntervalMs: -1 })).toThrow(invalid);
  expect(() => resolveNotifyOptions({ onError: "log" as never })).toThrow(invalid);
});

test("a commit in this process wakes this process's listeners at once, not after the NOTIFY's interval, and its NOTIFY does not wake them twice", async () => {
  const wakes: number[] = [];
  const stop = await pgListener({ connectionString: database.url }).subscribe(() => wakes.push(performance.now()));
  const outsider = await outsideListener();
  try {
    await waitFor(() => wakes.length === 1, 10_000, "the wake-up every subscription starts with");
    await notifyEventsCommitted(database.db); // the next one waits out the interval
    await waitFor(() => outsider.received() === 1 && wakes.length === 2, 10_000, "the first notification");
    const calledAt = performance.now();
    const second = notifyEventsCommitted(database.db, { minIntervalMs: 1_000 });
    expect(wakes).toHaveLength(3); // woken in the call itself
    expect(wakes[2]! - calledAt).toBeLessThan(1_000);
    await second;
    await waitFor(() => outsider.received() === 2, 10_000, "the second NOTIFY, for other processes");
    await outsider.query("select pg_sleep(0.05)"); // a NOTIFY back to this process's listener would have arrived by now
    expect(wakes).toHaveLength(3);
  } finally {
    await outsider.end();
    await stop();
  }
});

test("a NOTIFY from another process (or by hand) still wakes the listener", async () => {
  let wakes = 0;
  const stop = await pgListener({ connectionString: database.url }).subscribe(() => wakes++);
  try {
    await waitFor(() => wakes === 1, 10_000, "the first wake-up");
    await sql`notify outbox_events`.execute(database.db);
    await sql`select pg_notify('outbox_events', 'some-other-process')`.execute(database.db);
    await waitFor(() => wakes === 3, 10_000, "two more wake-ups");
  } finally {
    await stop();
  }
});
