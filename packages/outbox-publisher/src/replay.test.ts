import { useTestDatabase } from "@org/test-harness";
import { sql } from "kysely";
import { beforeAll, expect, test } from "vitest";
import { replayEvents } from "./replay.js";
import { setUpOutbox, waitFor, writeEvents } from "./test-support/fixtures.js";
import { createEventWorker } from "./worker/event-worker.js";

const database = useTestDatabase();
let a: string[];
let b: string[];
let other: string[];
let between: Date;

beforeAll(async () => {
  await setUpOutbox(database.db);
  a = await writeEvents(database.db, 5, { tenantId: "acme", prefix: "a" });
  other = await writeEvents(database.db, 3, { tenantId: "acme", prefix: "o", eventType: "test.other" });
  await new Promise((resolve) => setTimeout(resolve, 20));
  between = new Date();
  await new Promise((resolve) => setTimeout(resolve, 20));
  b = await writeEvents(database.db, 4, { tenantId: "globex", prefix: "b" });
  // a worker group with a checkpoint, to show replay leaves delivery state alone
  let handled = 0;
  const worker = createEventWorker(database.db, { group: "projection", handler: () => void handled++, pollIntervalMs: 10 });
  await worker.start();
  await waitFor(() => handled === 12, 10_000, "the worker group");
  await worker.stop();
});

const replayed = async (options: Parameters<typeof replayEvents>[1]) => {
  const ids: string[] = [];
  const count = await replayEvents(database.db, { pageSize: 2, ...options }, (event) => void ids.push(event.id));
  expect(count).toBe(ids.length);
  return ids;
};

const deliveryState = async () =>
  (await sql`select (select count(*) from domain_events where published_at is not null) as published,
      (select count(*) from domain_events_deliveries) as deliveries,
      (select transaction_id::text || '/' || position from domain_events_groups) as checkpoint`.execute(database.db)).rows;

test("replay hands a filtered range to the handler again, in the store's order, without touching delivery state", async () => {
  const before = await deliveryState();
  expect(await replayed({})).toEqual([...a, ...other, ...b]);
  expect(await replayed({ tenantId: "acme" })).toEqual([...a, ...other]);
  expect(await replayed({ types: ["test.other"] })).toEqual(other);
  expect(await replayed({ tenantId: "acme", types: ["test.*"] })).toEqual([...a, ...other]);
  expect(await replayed({ to: between })).toEqual([...a, ...other]);
  expect(await replayed({ from: between })).toEqual(b);
  expect(await replayed({ after: a[1], until: other[0] })).toEqual([a[2], a[3], a[4], other[0]]);
  expect(await deliveryState()).toEqual(before);
});

test("replay rejects an unknown event id and can be stopped with a signal", async () => {
  await expect(replayEvents(database.db, { after: "evt_unknown" }, () => {})).rejects.toMatchObject({ code: "not_found" });
  const controller = new AbortController();
  const ids: string[] = [];
  const count = await replayEvents(database.db, { signal: controller.signal, pageSize: 2 }, (event) => {
    ids.push(event.id);
    if (ids.length === 3) controller.abort();
  });
  expect(count).toBe(3);
});
