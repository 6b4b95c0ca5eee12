import { recordEvents, type DomainEvent } from "@org/events";
import { resolveRedisUrl, uniqueRedisPrefix, useTestDatabase } from "@org/test-harness";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, test } from "vitest";
import { runApiMigrations } from "../db/migrations.js";
import { createLiveFeed } from "./live-feed.js";

const database = useTestDatabase();
const redisUrl = resolveRedisUrl();
beforeAll(async () => runApiMigrations(database.db));

const admin = new Redis(redisUrl);
afterAll(() => void admin.disconnect());

/** Counts, through Redis MONITOR, the append script calls on `prefix`'s stream (one per round trip). */
async function monitorAppends(prefix: string) {
  const monitor = await admin.monitor();
  const stream = `{${prefix}}:stream`;
  const marker = `${prefix}:marker`;
  let calls = 0;
  let markerSeen = false;
  monitor.on("monitor", (_time: string, args: string[], source: string) => {
    const command = String(args[0]).toLowerCase();
    if (!source.startsWith("lua") && (command === "evalsha" || command === "eval") && args.includes(stream)) calls += 1;
    if (command === "exists" && args[1] === marker) markerSeen = true;
  });
  return {
    /** The count once Redis has shown the monitor everything sent so far. */
    async settle(): Promise<number> {
      await admin.exists(marker);
      await waitUntil(() => markerSeen, "the monitor to catch up");
      monitor.disconnect();
      return calls;
    },
  };
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test("with Redis, the relay appends each batch it read in one round trip, and every instance's feed gets every event in log order", async () => {
  const prefix = uniqueRedisPrefix("live-feed");
  const feed = createLiveFeed({ database: { db: database.db, kind: "postgres" }, databaseUrl: database.url, redisUrl, redisKeyPrefix: prefix, pollIntervalMs: 1_000, heartbeatIntervalMs: 0 });
  const delivered: DomainEvent[] = [];
  feed.follower!.onEvent((event) => void delivered.push(event));
  try {
    await feed.start();
    const appends = await monitorAppends(prefix);
    // 250 events in one commit: the relay reads them in batches of 100 (its default batchSize).
    const events = Array.from({ length: 250 }, (_, n) => ({
      tenantId: "tenant-a",
      aggregateType: "settlement",
      aggregateId: `stl_batch_${n}`,
      eventType: "settlement.created" as const,
      payload: { settlementId: `stl_batch_${n}`, network: null, amount: `${n + 1}.00` },
    }));
    const ids = await database.db.transaction().execute((tx) => recordEvents(tx, events));
    feed.afterCommit();
    // (The follower may have some from the log first: the relay's first append carries the gap mark.)
    await waitUntil(() => feed.bus!.getStats().appended === 250 && delivered.length === 250, "the relay to append and the follower to deliver 250 events");
    expect(delivered.map((event) => event.id)).toEqual(ids);
    const calls = await appends.settle();
    // Three batches (a NOSCRIPT retry or a batch cut short by pending marks at most adds one or two), not one per event.
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(calls).toBeLessThanOrEqual(5);
    expect(await admin.xlen(`{${prefix}}:stream`)).toBe(250);
  } finally {
    await feed.stop();
    await admin.del(`{${prefix}}:stream`, `{${prefix}}:head`);
  }
});
