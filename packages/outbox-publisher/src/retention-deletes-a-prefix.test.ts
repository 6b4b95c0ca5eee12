import { createEventStore, isEventsError } from "@org/events";
import { useTestDatabase } from "@org/test-harness";
import { sql } from "kysely";
import { beforeAll, expect, test } from "vitest";
import { deleteOldEvents } from "./retention.js";
import { setUpOutbox, writeEvents, writer } from "./test-support/fixtures.js";

const database = useTestDatabase();
const db = () => database.db;

beforeAll(async () => setUpOutbox(db()));

test("retention deletes a prefix of the log, keeps its low-water checkpoint, and a resume from before it is refused", async () => {
  // log order: x_0 v1, y_0 v1, y_0 v2, z_0 v1 (unpublished), w_0 v1, w_0 v2
  const [x1] = await writeEvents(db(), 1, { prefix: "x" });
  const [y1, y2] = await writeEvents(db(), 2, { prefix: "y" });
  const [z1] = await writeEvents(db(), 1, { prefix: "z" });
  const [w1, w2] = await writeEvents(db(), 2, { prefix: "w" });
  await sql`update domain_events set published_at = now(), created_at = now() - interval '8 days' where aggregate_id <> 'z_0'`.execute(db());
  await sql`update domain_events set created_at = now() - interval '8 days' where aggregate_id = 'z_0'`.execute(db());
  const store = createEventStore(db());
  const fromX1 = (await store.getCheckpoint(x1!))!;
  const endOfPrefix = (await store.getCheckpoint(y2!))!;

  expect(await deleteOldEvents(db(), { batchSize: 2 })).toBe(3);
  const left = (await store.readAfter(null)).events.map((e) => e.id);
  // everything before the unpublished event went, nothing after it: no kept event has a deleted one behind it
  expect(left).toEqual([z1, w1, w2]);
  expect([x1, y1, y2].some((id) => left.includes(id!))).toBe(false);

  // a reader at a deleted checkpoint is told, never handed the log with a hole in it
  const refused = await store.readAfter(fromX1).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(isEventsError(refused, "checkpoint_expired")).toBe(true);
  // also when nothing after it passes the filter: the page is empty, the refusal is not
  const refusedEmpty = await store.readAfter(fromX1, { types: ["nothing.matches"] }).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(isEventsError(refusedEmpty, "checkpoint_expired")).toBe(true);
  expect((await store.readAfter(endOfPrefix, { types: ["nothing.matches"] })).events).toEqual([]);
  expect(await store.getLowWater()).toEqual(endOfPrefix);
  expect(await store.getCheckpoint(x1!)).toBeUndefined();

  // versions survive: y_0 goes on at version 3
  await db().transaction().execute((tx) => writer.recordEvent(tx, "thing", "y_0", "test.happened", { n: 3 }, { expectedVersion: 2 }));
  expect((await store.getAggregateEvents("thing", "y_0")).map((e) => e.aggregateVersion)).toEqual([3]);
});

