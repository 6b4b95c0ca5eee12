import { useTestDatabase } from "@org/test-harness";
import { sql } from "kysely";
import { beforeAll, beforeEach, expect, test } from "vitest";
import type { OutboxMetric } from "../stats/metrics.js";
import { resetOutbox, setUpOutbox, unpublishedCount, waitFor, writeEvents } from "../test-support/fixtures.js";
import { createEventPublisher } from "./ordered-feed.js";

const database = useTestDatabase();
beforeAll(async () => {
  await setUpOutbox(database.db);
  // The database refuses to store the feed's first failure record (a lost connection, a full disk).
  await sql`create table refuse_failures (remaining int not null)`.execute(database.db);
  await sql`create function refuse_failure() returns trigger language plpgsql as $$
    begin
      update refuse_failures set remaining = remaining - 1 where remaining > 0;
      if found then raise exception 'cannot record the failure'; end if;
      return new;
    end $$`.execute(database.db);
  await sql`create trigger refuse_failure before insert on domain_events_deliveries for each row execute function refuse_failure()`.execute(database.db);
});
beforeEach(async () => {
  await resetOutbox(database.db);
  await sql`delete from refuse_failures; insert into refuse_failures values (1)`.execute(database.db);
});

test("when the failure of the head cannot be recorded, the events relayed before it are not relayed again", async () => {
  const before = await writeEvents(database.db, 2, { prefix: "a" });
  const [poison] = await writeEvents(database.db, 1, { prefix: "p", eventType: "poison.pill" });
  const [after] = await writeEvents(database.db, 1, { prefix: "b" });
  const seen: string[] = [];
  const metrics: OutboxMetric[] = [];
  let failures = 0;
  const publisher = createEventPublisher(database.db, {
    pollIntervalMs: 10,
    markDelayMs: 1_000, // the relayed events are still unmarked when the failure record fails
    retry: { initialDelayMs: 5, jitter: 0 },
    log: () => {},
    onMetric: (metric) => metrics.push(metric),
  });
  publisher.onEvent((event) => {
    seen.push(event.id);
    if (event.eventType === "poison.pill" && ++failures <= 2) throw new Error("not yet");
  });
  await publisher.start();
  try {
    await waitFor(() => seen.includes(after!), 20_000, "the event behind the head");
    await waitFor(async () => (await unpublishedCount(database.db)) === 0, 20_000, "the marks");
  } finally {
    await publisher.stop();
  }
  expect(seen.filter((id) => id !== poison)).toEqual([...before, after]);
  expect(seen.filter((id) => id === poison)).toHaveLength(3);
  expect(metrics.some((m) => m.type === "error" && String(m.error).includes("cannot record the failure"))).toBe(true);
});
