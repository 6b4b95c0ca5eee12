import { useTestDatabase } from "@org/test-harness";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { expect, test } from "vitest";
import { waitFor } from "../test-support/fixtures.js";
import { notifyEventsCommitted } from "./notify.js";

const database = useTestDatabase();

test("notifyEventsCommitted coalesces a burst of calls into one NOTIFY, and a later call sends another", async () => {
  const listener = new pg.Client({ connectionString: database.url });
  await listener.connect();
  let received = 0;
  listener.on("notification", () => received++);
  await listener.query("LISTEN outbox_events");
  try {
    await Promise.all(Array.from({ length: 100 }, () => notifyEventsCommitted(database.db)));
    await notifyEventsCommitted(database.db); // a later call sends again
    await waitFor(() => received === 2, 10_000, "two notifications");
    await listener.query("select 1"); // any straggler would have arrived before this reply
    expect(received).toBe(2);
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
