import { startRedisServer, uniqueRedisPrefix, type OwnRedisServer } from "@org/test-harness";
import { Redis } from "ioredis";
import { afterEach, describe, expect, test } from "vitest";
import { logEvent, record, useBuses, waitUntil } from "./test-support/fixtures.js";

const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => logEvent(from + index).id);
const delivered = (seen: string[]) => seen.filter((entry) => entry.startsWith("evt_"));

describe("RedisEventBus across a Redis restart that loses the stream (own redis-server, no persistence)", () => {
  const open = useBuses();
  let server: OwnRedisServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  test("readers signal stream_replaced, read the new stream from its start, and deliver nothing twice", async () => {
    server = await startRedisServer();
    const keyPrefix = uniqueRedisPrefix("restart");
    const readers = [open.bus({ redis: server.url, keyPrefix, blockMs: 500 }), open.bus({ redis: server.url, keyPrefix, blockMs: 500 })];
    const seen = readers.map((reader) => record(reader));
    await Promise.all(readers.map((reader) => reader.start()));
    const publisher = open.bus({ redis: server.url, keyPrefix });
    for (let n = 1; n <= 50; n += 1) await publisher.publish(logEvent(n));
    await waitUntil(() => seen.every((entries) => delivered(entries).length === 50), "50 events on both readers");

    await server.restart();
    // The relay sends again what it had not marked yet (40..50), then goes on.
    for (let n = 40; n <= 60; n += 1) await publisher.publish(logEvent(n));
    await waitUntil(() => seen.every((entries) => delivered(entries).length >= 60), "60 events on both readers");
    for (const entries of seen) {
      expect(delivered(entries)).toEqual(ids(1, 60));
      const reset = entries.indexOf("reset:stream_replaced");
      expect(reset).toBeGreaterThan(entries.indexOf("evt_000050"));
      expect(reset).toBeLessThan(entries.indexOf("evt_000051"));
    }
    for (const reader of readers) expect(reader.getStats()).toMatchObject({ reconnects: 1, skipped: 11 });
  });

  test("a publish that failed (timed out: appended or not, it cannot know) marks the gap on the next entry", async () => {
    server = await startRedisServer();
    const keyPrefix = uniqueRedisPrefix("restart");
    const reader = open.bus({ redis: server.url, keyPrefix, blockMs: 500 });
    const seen = record(reader);
    await reader.start();
    const client = new Redis(server.url, { commandTimeout: 100 });
    client.on("error", () => {});
    const publisher = open.bus({ redis: client, keyPrefix });
    await publisher.publish(logEvent(1));
    await waitUntil(() => seen.includes("evt_000001"), "the first event");
    const admin = open.client(server.url);
    await admin.client("PAUSE", 400, "WRITE");
    await expect(publisher.publish(logEvent(2))).rejects.toThrow(/timed out/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await publisher.publish(logEvent(3));
    await waitUntil(() => seen.includes("evt_000003"), "event 3");
    client.disconnect();
    // Event 2 reached Redis after all; the reader is told to check the log before event 3 either way.
    expect(seen).toEqual(["reset:publisher_gap", "evt_000001", "evt_000002", "reset:publisher_gap", "evt_000003"]);
  });
});
