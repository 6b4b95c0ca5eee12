import { useTestDatabase } from "@org/test-harness";
import { beforeAll, beforeEach, expect, test } from "vitest";
import { createDeadLetterQueue } from "../dead-letters.js";
import type { OutboxMetric } from "../stats/metrics.js";
import { resetOutbox, setUpOutbox, unpublishedCount, waitFor, writeEvents } from "../test-support/fixtures.js";
import { createEventPublisher } from "./ordered-feed.js";

const database = useTestDatabase();
beforeAll(async () => setUpOutbox(database.db));
beforeEach(async () => resetOutbox(database.db));

test("by default the feed holds a failing head as long as it takes, and shows it stuck in stats, a metric and a log line", async () => {
  const [poison] = await writeEvents(database.db, 1, { prefix: "b", eventType: "poison.pill" });
  const [behind] = await writeEvents(database.db, 1, { prefix: "c" });
  const seen: string[] = [];
  const metrics: OutboxMetric[] = [];
  const lines: string[] = [];
  let failures = 0;
  const publisher = createEventPublisher(database.db, {
    pollIntervalMs: 10,
    retry: { initialDelayMs: 5, maxDelayMs: 20, jitter: 0 },
    onMetric: (metric) => metrics.push(metric),
    log: (line) => lines.push(line),
  });
  publisher.onEvent((event) => {
    seen.push(event.id);
    if (event.eventType === "poison.pill" && ++failures <= 12) throw new Error("bad payload");
  });
  await publisher.start();
  try {
    await waitFor(() => failures >= 8, 20_000, "eight failed attempts");
    const stuck = publisher.getStats().stuckHead;
    expect(stuck).toMatchObject({ eventId: poison, eventType: "poison.pill" });
    expect(stuck!.lastError).toContain("bad payload");
    expect(stuck!.attempts).toBeGreaterThanOrEqual(7);
    expect(stuck!.stuckForMs).toBeGreaterThan(0);
    await waitFor(() => seen.includes(behind!), 20_000, "the event behind the head");
    await waitFor(async () => (await unpublishedCount(database.db)) === 0, 20_000, "the marks");
  } finally {
    await publisher.stop();
  }
  // never skipped: the head went through on its 13th attempt, then what was behind it
  expect(seen.filter((id) => id !== poison)).toEqual([behind]);
  expect(seen.lastIndexOf(poison!)).toBe(seen.indexOf(behind!) - 1);
  expect((await createDeadLetterQueue(database.db).list()).items).toEqual([]);
  expect(publisher.getStats().stuckHead).toBeNull();
  const stuckMetrics = metrics.filter((m) => m.type === "head_stuck");
  expect(stuckMetrics.length).toBe(12);
  expect(stuckMetrics.at(-1)).toMatchObject({ eventId: poison, attempts: 12 });
  expect(lines.some((line) => line.includes(poison!) && /stuck for \d+(\.\d+)? s/.test(line))).toBe(true);
});
