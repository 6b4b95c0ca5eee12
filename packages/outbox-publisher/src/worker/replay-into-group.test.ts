import { useTestDatabase } from "@org/test-harness";
import { sql } from "kysely";
import { beforeAll, expect, test } from "vitest";
import { setUpOutbox, waitFor, writeEvents } from "../test-support/fixtures.js";
import { createEventWorker } from "./event-worker.js";
import { registerWorkerGroup } from "./group-admin.js";
import { replayIntoGroup } from "./replay-into-group.js";

const database = useTestDatabase();
const handled: Record<string, string[]> = { hooks: [], audit: [] };
let acme: string[];
let globex: string[];

beforeAll(async () => {
  await setUpOutbox(database.db);
  acme = await writeEvents(database.db, 6, { tenantId: "acme", aggregates: 2 });
  globex = await writeEvents(database.db, 3, { tenantId: "globex" });
});

async function drain(group: "hooks" | "audit", expected: number) {
  const worker = createEventWorker(database.db, { group, handler: (event) => void handled[group]!.push(event.id), pollIntervalMs: 10, startFrom: "beginning" });
  await worker.start();
  await waitFor(() => handled[group]!.length >= expected, 10_000, `${group} to handle ${expected}`);
  await worker.stop();
}

test("queues a filtered range into one group again: its workers handle it in order per aggregate, other groups see nothing", async () => {
  await drain("hooks", 9);
  await drain("audit", 9);
  handled.hooks = [];
  handled.audit = [];
  // acme's events after its first, up to its fifth; the aggregate agg_1 only (by `accept`)
  const queued = await replayIntoGroup(database.db, { group: "hooks", tenantId: "acme", after: acme[0], until: acme[4], accept: (event) => event.aggregateId === "agg_1" });
  expect(queued).toBe(2);
  await drain("hooks", 2);
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(handled.hooks).toEqual([acme[1], acme[3]]);
  expect(handled.audit).toEqual([]);
});

test("stops at the group's checkpoint, leaves rows already queued as they are, and refuses what it cannot do", async () => {
  await registerWorkerGroup(database.db, { group: "late", startFrom: "now" });
  const after = await writeEvents(database.db, 2, { tenantId: "acme", prefix: "late" });
  // the group will get `after` anyway: only what lies before its checkpoint is queued again
  expect(await replayIntoGroup(database.db, { group: "late", tenantId: "acme" })).toBe(acme.length);
  const late = await sql<{ event_id: string }>`select event_id from domain_events_deliveries where group_name = 'late' order by position`.execute(database.db);
  expect(late.rows.map((row) => row.event_id)).toEqual(acme);
  expect(await replayIntoGroup(database.db, { group: "hooks", tenantId: "globex" })).toBe(3);
  expect(await replayIntoGroup(database.db, { group: "hooks", tenantId: "globex" })).toBe(0); // already queued
  const { rows } = await sql<{ event_id: string }>`select event_id from domain_events_deliveries where group_name = 'hooks' order by position`.execute(database.db);
  expect(rows.map((row) => row.event_id)).toEqual(globex);
  expect(after.some((id) => late.rows.some((row) => row.event_id === id))).toBe(false);
  await expect(replayIntoGroup(database.db, { group: "nope" })).rejects.toMatchObject({ code: "not_found" });
  await expect(replayIntoGroup(database.db, { group: "$feed" })).rejects.toMatchObject({ code: "invalid_options" });
  await expect(replayIntoGroup(database.db, { group: "hooks", types: ["bad%"] })).rejects.toMatchObject({ code: "invalid_options" });
  await expect(replayIntoGroup(database.db, { group: "hooks", until: "evt_unknown" })).rejects.toMatchObject({ code: "not_found" });
});
