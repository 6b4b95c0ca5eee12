import type { DomainEvent } from "@org/events";
import { useTestDatabase } from "@org/test-harness";
import { sql } from "kysely";
import { beforeAll, beforeEach, describe, expect, test } from "vitest";
import { createDeadLetterQueue } from "../dead-letters.js";
import { backoffDelay, resolveRetryPolicy } from "../retry/backoff.js";
import { seededRandom } from "../test-support/seeded-random.js";
import type { OutboxMetric } from "../stats/metrics.js";
import { resetOutbox, setUpOutbox, waitFor, writeEvents } from "../test-support/fixtures.js";
import { createEventWorker } from "./event-worker.js";

const database = useTestDatabase();
beforeAll(async () => setUpOutbox(database.db));
beforeEach(async () => resetOutbox(database.db));

const retry = { initialDelayMs: 40, multiplier: 2, maxDelayMs: 100, maxAttempts: 4, jitter: 0.5 };

/** One poison event heading aggregate "poison_0", a healthy event behind it, and 50 events of 5 other aggregates. */
async function writePoisonScenario() {
  const [poisonId] = await writeEvents(database.db, 1, { prefix: "poison", eventType: "poison.pill" });
  const [behindId] = await writeEvents(database.db, 1, { prefix: "poison" });
  const others = await writeEvents(database.db, 50, { aggregates: 5, prefix: "ok" });
  return { poisonId: poisonId!, behindId: behindId!, others };
}

describe("worker retries and dead letters", () => {
  test("a poison event backs off by the stored, seeded delays, never early, and is dead-lettered while other aggregates flow", async () => {
    const { poisonId, behindId, others } = await writePoisonScenario();
    const observed: { attempts: number; delayMs: number; due: boolean }[] = [];
    const handled: string[] = [];
    const metrics: OutboxMetric[] = [];
    const worker = createEventWorker(database.db, {
      group: "mail",
      pollIntervalMs: 10,
      retry: { ...retry, random: seededRandom(42) },
      onMetric: (metric) => metrics.push(metric),
      async handler(event) {
        if (event.eventType !== "poison.pill") return void handled.push(event.id);
        const { rows } = await sql<{ attempts: number; delay_ms: string; due: boolean }>`
          select attempts, extract(epoch from next_attempt_at - last_attempt_at) * 1000 as delay_ms, next_attempt_at <= now() as due
          from domain_events_deliveries where group_name = 'mail' and event_id = ${event.id}`.execute(database.db);
        if (rows[0]!.attempts > 0) observed.push({ attempts: rows[0]!.attempts, delayMs: Math.round(Number(rows[0]!.delay_ms)), due: rows[0]!.due });
        throw new Error("poisoned payload");
      },
    });
    await worker.start();
    await waitFor(() => metrics.some((m) => m.type === "dead_lettered"), 20_000, "the dead letter");
    await waitFor(() => handled.length >= others.length, 20_000, "the other aggregates");
    await worker.stop();

    const expected = resolveRetryPolicy({ ...retry, random: seededRandom(42) });
    const delays = [1, 2, 3].map((attempts) => backoffDelay(expected, attempts));
    expect(observed).toEqual(delays.map((delayMs, i) => ({ attempts: i + 1, delayMs, due: true })));
    expect(metrics.filter((m) => m.type === "retry_scheduled").map((m) => (m as { delayMs: number }).delayMs)).toEqual(delays);
    expect(new Set(handled)).toEqual(new Set(others));
    expect(handled).not.toContain(behindId); // its aggregate waits behind the dead letter

    const row = (await sql<{ status: string; attempts: number; last_error: string }>`
      select status, attempts, last_error from domain_events_deliveries where group_name = 'mail' and event_id = ${poisonId}`.execute(database.db)).rows[0]!;
    expect(row).toMatchObject({ status: "dead", attempts: 4 });
    expect(row.last_error).toContain("poisoned payload");
    expect(worker.getStats()).toMatchObject({ delivered: 50, retries: 3, deadLettered: 1 });
  });

  test("dead letters can be listed, inspected, requeued (attempts reset; the aggregate then continues in order) and discarded", async () => {
    const { poisonId, behindId } = await writePoisonScenario();
    const [secondPoison] = await writeEvents(database.db, 1, { prefix: "other_poison", eventType: "poison.pill" });
    let healed = false;
    const handled: DomainEvent[] = [];
    const worker = createEventWorker(database.db, {
      group: "mail",
      pollIntervalMs: 10,
      retry: { ...retry, maxAttempts: 1 },
      handler(event) {
        if (event.eventType === "poison.pill" && !healed) throw new Error("still poisoned");
        handled.push(event);
      },
    });
    await worker.start();
    const dlq = createDeadLetterQueue(database.db);
    await waitFor(async () => (await dlq.list({ group: "mail" })).items.length === 2, 20_000, "two dead letters");

    const firstPage = await dlq.list({ group: "mail", limit: 1 });
    expect(firstPage.items).toHaveLength(1);
    const secondPage = await dlq.list({ group: "mail", limit: 1, cursor: firstPage.nextCursor! });
    expect(secondPage.items).toHaveLength(1);
    expect(secondPage.nextCursor).toBeNull();
    expect(new Set([...firstPage.items, ...secondPage.items].map((d) => d.event.id))).toEqual(new Set([poisonId, secondPoison]));
    expect((await dlq.list({ aggregateId: "poison_0" })).items.map((d) => d.event.id)).toEqual([poisonId]);
    expect((await dlq.list({ group: "other" })).items).toEqual([]);

    const letter = await dlq.get("mail", poisonId);
    expect(letter).toMatchObject({ group: "mail", attempts: 1, event: { id: poisonId, eventType: "poison.pill" } });
    expect(letter!.lastError).toContain("still poisoned");

    healed = true;
    await dlq.requeue("mail", poisonId);
    worker.notify();
    await waitFor(() => handled.some((e) => e.id === behindId), 20_000, "the requeued aggregate");
    expect(handled.filter((e) => e.aggregateId === "poison_0").map((e) => e.id)).toEqual([poisonId, behindId]);

    await dlq.discard("mail", secondPoison!);
    expect(await dlq.get("mail", secondPoison!)).toBeUndefined();
    await expect(dlq.requeue("mail", secondPoison!)).rejects.toMatchObject({ code: "not_found" });
    await expect(dlq.discard("mail", "evt_missing")).rejects.toMatchObject({ code: "not_found" });
    await worker.stop();
    expect(handled.map((e) => e.id)).not.toContain(secondPoison);
  });

  test("stop() claims nothing new, lets the handler in flight settle, and gives unstarted claims back", async () => {
    await writeEvents(database.db, 5, { aggregates: 5 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const started: string[] = [];
    const finished: string[] = [];
    const worker = createEventWorker(database.db, {
      group: "slow",
      concurrency: 1,
      pollIntervalMs: 10,
      async handler(event) {
        started.push(event.id);
        await gate;
        finished.push(event.id);
      },
    });
    await worker.start();
    await waitFor(() => started.length === 1, 20_000, "the first handler");
    let stopped = false;
    const stopping = worker.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped).toBe(false);
    release();
    await stopping;
    await worker.stop();
    expect(finished).toEqual(started);
    const { rows } = await sql<{ event_id: string; locked_by: string | null }>`
      select event_id, locked_by from domain_events_deliveries where group_name = 'slow'`.execute(database.db);
    expect(rows).toHaveLength(4);
    expect(rows.every((row) => row.locked_by === null)).toBe(true);
    expect(rows.map((row) => row.event_id)).not.toContain(started[0]);
  });
});
