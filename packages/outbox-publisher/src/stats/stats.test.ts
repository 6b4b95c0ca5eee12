import { useTestDatabase } from "@org/test-harness";
import { sql } from "kysely";
import { beforeAll, expect, test } from "vitest";
import { createEventPublisher } from "../feed/ordered-feed.js";
import type { OutboxMetric } from "./metrics.js";
import { readOutboxStats } from "./read-outbox-stats.js";
import { setUpOutbox, waitFor, writeEvents } from "../test-support/fixtures.js";
import { createEventWorker } from "../worker/event-worker.js";

const database = useTestDatabase();
beforeAll(async () => setUpOutbox(database.db));

test("readOutboxStats reports backlog, oldest unpublished age, groups and dead letters", async () => {
  const empty = await readOutboxStats(database.db);
  expect(empty).toMatchObject({ backlog: 0, oldestUnpublishedAgeMs: null, feedDeadLetters: 0, groups: [] });
  // cluster-wide, like the snapshot horizon it explains: other databases' transactions count too
  expect(empty.oldestOpenTransactionAgeMs === null || empty.oldestOpenTransactionAgeMs >= 0).toBe(true);
  await writeEvents(database.db, 10, { aggregates: 2 });
  await sql`update domain_events set created_at = now() - interval '1 minute'`.execute(database.db);
  const worker = createEventWorker(database.db, {
    group: "audit",
    pollIntervalMs: 10,
    retry: { maxAttempts: 1 },
    handler: (event) => {
      if (event.aggregateId === "agg_1") throw new Error("no");
    },
  });
  await worker.start();
  await waitFor(async () => (await readOutboxStats(database.db)).groups[0]?.deadLetters === 1, 10_000, "a dead letter");
  await worker.stop();
  const stats = await readOutboxStats(database.db);
  expect(stats.backlog).toBe(10);
  expect(stats.oldestUnpublishedAgeMs).toBeGreaterThanOrEqual(60_000);
  // agg_1's first event is dead; its 4 later events wait behind it
  expect(stats.groups).toEqual([{ group: "audit", pending: 4, deadLetters: 1 }]);
});

test("a publisher reports deliveries as metric events and as in-process stats with latency percentiles", async () => {
  await sql`truncate domain_events, domain_events_deliveries, domain_events_groups`.execute(database.db);
  await writeEvents(database.db, 30, { aggregates: 3 });
  const metrics: OutboxMetric[] = [];
  const publisher = createEventPublisher(database.db, { pollIntervalMs: 10 });
  const unsubscribe = publisher.subscribe((metric) => metrics.push(metric));
  publisher.subscribe(() => {
    throw new Error("a broken exporter does not break delivery");
  });
  publisher.onEvent(() => {});
  await publisher.start();
  await waitFor(() => publisher.getStats().delivered === 30, 10_000, "30 deliveries");
  unsubscribe();
  await publisher.stop();
  const delivered = metrics.filter((m) => m.type === "delivered");
  expect(delivered).toHaveLength(30);
  expect(delivered.every((m) => m.type === "delivered" && m.latencyMs >= 0 && m.attempts === 1 && m.source === "$feed")).toBe(true);
  expect(metrics.some((m) => m.type === "leadership_acquired")).toBe(true);
  const stats = publisher.getStats();
  expect(stats).toMatchObject({ delivered: 30, retries: 0, deadLettered: 0, errors: 0, isLeader: false });
  expect(stats.latencyMs!.count).toBe(30);
  expect(stats.latencyMs!.p50).toBeLessThanOrEqual(stats.latencyMs!.p95);
  expect(stats.latencyMs!.p95).toBeLessThanOrEqual(stats.latencyMs!.p99);
  expect(stats.throughputPerSecond).toBeGreaterThan(0);
  expect(stats.checkpoint).not.toBeNull();
});

test("readOutboxStats with a tenant counts that tenant's backlog, dead letters and queued deliveries only", async () => {
  await sql`truncate domain_events, domain_events_deliveries, domain_events_groups`.execute(database.db);
  await writeEvents(database.db, 3, { tenantId: "acme" });
  await writeEvents(database.db, 5, { tenantId: "globex", prefix: "g" });
  const worker = createEventWorker(database.db, { group: "audit", pollIntervalMs: 10, retry: { maxAttempts: 1 }, handler: () => Promise.reject(new Error("no")) });
  await worker.start();
  await waitFor(async () => (await readOutboxStats(database.db)).groups[0]?.deadLetters === 2, 10_000, "a dead letter per aggregate");
  await worker.stop();
  expect(await readOutboxStats(database.db, { tenantId: "acme" })).toMatchObject({ backlog: 3, groups: [{ group: "audit", pending: 2, deadLetters: 1 }] });
  expect(await readOutboxStats(database.db, { tenantId: "globex" })).toMatchObject({ backlog: 5, groups: [{ group: "audit", pending: 4, deadLetters: 1 }] });
  expect(await readOutboxStats(database.db, { tenantId: "initech" })).toMatchObject({ backlog: 0, oldestUnpublishedAgeMs: null, groups: [{ group: "audit", pending: 0, deadLetters: 0 }] });
});
