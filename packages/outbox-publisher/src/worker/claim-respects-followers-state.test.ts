import { useTestDatabase } from "@org/test-harness";
import { sql } from "kysely";
import { beforeAll, beforeEach, expect, test } from "vitest";
import { resetOutbox, setUpOutbox, waitFor, writeEvents } from "../test-support/fixtures.js";
import { createEventWorker } from "./event-worker.js";

const database = useTestDatabase();
beforeAll(async () => setUpOutbox(database.db));
beforeEach(async () => resetOutbox(database.db));

/** Delivery rows of one aggregate as a group holds them, the group's checkpoint past them all. */
async function queue(ids: string[], states: { status: "pending" | "dead"; dueInMs: number }[]) {
  await sql`insert into domain_events_groups (group_name, transaction_id, position)
    select 'followers', transaction_id, position from domain_events order by transaction_id desc, position desc limit 1`.execute(database.db);
  for (const [i, id] of ids.entries()) {
    const { status, dueInMs } = states[i]!;
    await sql`insert into domain_events_deliveries (group_name, event_id, tenant_id, aggregate_type, aggregate_id, transaction_id, position, event_created_at, status, attempts, next_attempt_at, dead_lettered_at)
      select 'followers', id, tenant_id, aggregate_type, aggregate_id, transaction_id, position, created_at, ${status}, ${status === "dead" || dueInMs > 0 ? 1 : 0},
        now() + ${dueInMs} * interval '1 millisecond', ${status === "dead" ? sql`now()` : sql`null`}
      from domain_events where id = ${id}`.execute(database.db);
  }
}

test("a claim takes an aggregate's followers only up to the first one that is backing off or dead", async () => {
  const backingOff = await writeEvents(database.db, 3, { prefix: "off" });
  const dead = await writeEvents(database.db, 3, { prefix: "dead" });
  await queue(backingOff, [
    { status: "pending", dueInMs: 0 },
    { status: "pending", dueInMs: 3_600_000 },
    { status: "pending", dueInMs: 0 },
  ]);
  await sql`delete from domain_events_groups`.execute(database.db);
  await queue(dead, [
    { status: "pending", dueInMs: 0 },
    { status: "dead", dueInMs: 0 },
    { status: "pending", dueInMs: 0 },
  ]);
  const handled: string[] = [];
  const worker = createEventWorker(database.db, { group: "followers", pollIntervalMs: 10, handler: (event) => void handled.push(event.id) });
  await worker.start();
  try {
    await waitFor(() => handled.length >= 2, 10_000, "the two heads");
    await new Promise((resolve) => setTimeout(resolve, 500)); // time for anything wrongly claimed to be handled
  } finally {
    await worker.stop();
  }
  expect(new Set(handled)).toEqual(new Set([backingOff[0], dead[0]]));
});
