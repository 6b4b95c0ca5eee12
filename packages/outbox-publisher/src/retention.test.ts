import { useTestDatabase } from "@org/test-harness";
import { sql } from "kysely";
import { beforeAll, expect, test } from "vitest";
import { deleteOldEvents } from "./retention.js";
import { setUpOutbox, writeEvents } from "./test-support/fixtures.js";

const database = useTestDatabase();
const db = () => database.db;
let ids: Record<string, string[]>;

beforeAll(async () => {
  await setUpOutbox(db());
  ids = {
    a: await writeEvents(db(), 3, { prefix: "a" }), // old, published: all go (versions live on in the stream rows)
    b: await writeEvents(db(), 2, { prefix: "b" }), // old, unpublished: stay
    d: await writeEvents(db(), 2, { prefix: "d" }), // old, published, first is a dead letter: stays
    recent: await writeEvents(db(), 2, { prefix: "r" }), // recent, published: stay
  };
  await sql`update domain_events set published_at = now() where aggregate_id not like 'b_%'`.execute(db());
  await sql`update domain_events set created_at = now() - interval '8 days' where aggregate_id not like 'r_%'`.execute(db());
  await sql`insert into domain_events_deliveries (group_name, event_id, aggregate_type, aggregate_id, transaction_id, position, event_created_at, status, attempts, dead_lettered_at)
    select 'mail', id, aggregate_type, aggregate_id, transaction_id, position, created_at, 'dead', 5, now() from domain_events where id = ${ids.d![0]!}`.execute(db());
  // a worker group that has not got past anything yet
  await sql`insert into domain_events_groups (group_name, transaction_id, position) values ('lagging', '0', 0)`.execute(db());
});

const remaining = async () => new Set((await sql<{ id: string }>`select id from domain_events`.execute(db())).rows.map((row) => row.id));

test("nothing is deleted while a worker group has not passed the old events", async () => {
  expect(await deleteOldEvents(db(), { batchSize: 1 })).toBe(0);
});

test("old published events every consumer is done with go in small batches, up to the first that is not: a prefix of the log", async () => {
  await sql`update domain_events_groups set (transaction_id, position) = (select transaction_id, position from domain_events order by transaction_id desc, position desc limit 1)`.execute(db());
  expect(await deleteOldEvents(db(), { batchSize: 1 })).toBe(3);
  const left = await remaining();
  expect(ids.a!.some((id) => left.has(id))).toBe(false);
  for (const id of [...ids.b!, ...ids.d!, ...ids.recent!]) expect(left.has(id)).toBe(true);
  expect(await deleteOldEvents(db())).toBe(0);
});

test("requirePublished: false also takes old events the feed never published (worker-only deployments), up to the dead letter", async () => {
  expect(await deleteOldEvents(db(), { requirePublished: false, olderThanMs: 24 * 60 * 60 * 1000 })).toBe(2);
  const left = await remaining();
  expect(ids.b!.some((id) => left.has(id))).toBe(false);
  for (const id of [...ids.d!, ...ids.recent!]) expect(left.has(id)).toBe(true);
});

test("resolveRetentionOptions merges the defaults once and refuses bad values", async () => {
  const { resolveRetentionOptions } = await import("./retention.js");
  expect(resolveRetentionOptions({ batchSize: undefined })).toMatchObject({ olderThanMs: 604_800_000, batchSize: 1000, requirePublished: true });
  const invalid = expect.objectContaining({ name: "OutboxError", code: "invalid_options" });
  expect(() => resolveRetentionOptions({ olderThanMs: -1 })).toThrow(invalid);
  expect(() => resolveRetentionOptions({ batchSize: 0 })).toThrow(invalid);
  expect(() => resolveRetentionOptions({ requirePublished: "no" as never })).toThrow(invalid);
  expect(() => resolveRetentionOptions({ tableName: "Bad" })).toThrow(invalid);
  // gone: versions survive retention in the stream rows, and retention deletes only a prefix of the log
  expect(() => resolveRetentionOptions({ keepLatestPerAggregate: true } as never)).toThrow(invalid);
});
