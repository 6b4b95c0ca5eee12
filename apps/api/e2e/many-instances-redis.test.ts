import { resolveRedisUrl, startRedisServer, uniqueRedisPrefix, useTestDatabase, type OwnRedisServer } from "@org/test-harness";
import { Redis } from "ioredis";
import { sql } from "kysely";
import { afterEach, describe, expect, test } from "vitest";
import { eventually, expectEveryClientComplete, openStreams, startCluster, writeSpread, type Cluster } from "./support/cluster-scenario.js";

/**
 * Three apps/api processes on one PostgreSQL with REDIS_URL: the relay
 * appends to a Redis Stream that every instance reads. The log stays the
 * truth: killed connections and a Redis restart that loses the stream
 * neither lose nor double an event within a connection.
 */
const database = useTestDatabase();
const PER_TENANT = 20;
let cluster: Cluster | undefined;
let redisServer: OwnRedisServer | undefined;
let closeStreams: () => void = () => {};
afterEach(async () => {
  closeStreams();
  await cluster?.stop();
  cluster = undefined;
  await redisServer?.stop();
  redisServer = undefined;
});

/** CLIENT KILLs every connection of the instances' buses (reader and writer). */
async function killBusConnections(redisUrl: string, keyPrefix: string): Promise<number> {
  const admin = new Redis(redisUrl);
  try {
    const lines = String(await admin.client("LIST")).split("\n");
    const ids = lines.filter((line) => line.includes(` name=event-bus-redis:${keyPrefix}:`)).map((line) => /\bid=(\d+)/.exec(line)![1]!);
    for (const id of ids) await admin.client("KILL", "ID", id);
    return ids.length;
  } finally {
    admin.disconnect();
  }
}

/** What the instances' buses report on /metrics. */
async function busStats(cluster: Cluster): Promise<{ delivered: number; reconnects: number; resets: number }[]> {
  return Promise.all(
    cluster.alive().map(async (url) => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const value = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1] ?? Number.NaN);
      return { delivered: value("redis_bus_delivered_total"), reconnects: value("redis_bus_reconnects_total"), resets: value("redis_bus_resets_total") };
    }),
  );
}

async function unpublished(): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*) as n from domain_events where published_at is null`.execute(database.db);
  return Number(rows[0]!.n);
}

describe("three instances on PostgreSQL with Redis Streams", { timeout: 120_000 }, () => {
  test("the local Redis: the instances' Redis connections are killed, then the relay is SIGKILLed; every client gets every event once, in replay order", async () => {
    await sql`truncate domain_events cascade`.execute(database.db).catch(() => {});
    const redisUrl = resolveRedisUrl();
    const keyPrefix = uniqueRedisPrefix("api-e2e");
    cluster = await startCluster({ DATABASE_URL: database.url, REDIS_URL: redisUrl, REDIS_KEY_PREFIX: keyPrefix });
    await eventually(async () => (await cluster!.relayIndex()) !== -1, "one instance to relay");
    const streams = await openStreams(cluster);
    closeStreams = () => streams.forEach(({ stream }) => stream.close());
    let killed = -1;
    await writeSpread(cluster, PER_TENANT, async () => {
      expect(await killBusConnections(redisUrl, keyPrefix)).toBeGreaterThanOrEqual(4); // 3 readers, the relay's writer
      killed = await cluster!.relayIndex();
      await cluster!.kill(killed);
      await eventually(async () => (await cluster!.relayIndex()) !== -1, "another instance to take over relaying", 10_000);
    });
    await expectEveryClientComplete(database.db, streams, PER_TENANT);
    for (const [index, { stream }] of streams.entries()) {
      if (Math.floor(index / 2) === killed) expect(stream.connections.length, `client ${index}`).toBeGreaterThan(1);
    }
    const stats = await busStats(cluster);
    for (const bus of stats) {
      expect(bus.delivered).toBeGreaterThan(0); // the stream carried events to every instance
      expect(bus.reconnects).toBeGreaterThanOrEqual(1);
    }
    await eventually(async () => (await unpublished()) === 0, "the relay to mark every event published");
  });

  test("a Redis of its own restarted without persistence (the stream is lost), then a follower SIGKILLed: nothing lost, nothing doubled", async () => {
    await sql`truncate domain_events cascade`.execute(database.db).catch(() => {});
    redisServer = await startRedisServer();
    cluster = await startCluster({ DATABASE_URL: database.url, REDIS_URL: redisServer.url, REDIS_KEY_PREFIX: "events" });
    await eventually(async () => (await cluster!.relayIndex()) !== -1, "one instance to relay");
    const streams = await openStreams(cluster);
    closeStreams = () => streams.forEach(({ stream }) => stream.close());
    let killed = -1;
    await writeSpread(cluster, PER_TENANT, async () => {
      await redisServer!.restart();
      killed = ((await cluster!.relayIndex()) + 1) % 3;
      await cluster!.kill(killed);
    });
    await expectEveryClientComplete(database.db, streams, PER_TENANT);
    for (const [index, { stream }] of streams.entries()) {
      if (Math.floor(index / 2) === killed) expect(stream.connections.length, `client ${index}`).toBeGreaterThan(1);
    }
    const stats = await busStats(cluster);
    for (const bus of stats) expect(bus.resets, JSON.stringify(stats)).toBeGreaterThanOrEqual(2); // the relay's first append, and the lost stream
  });
});
