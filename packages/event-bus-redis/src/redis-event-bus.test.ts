import { ValidationError } from "@org/events";
import { resolveRedisUrl, uniqueRedisPrefix } from "@org/test-harness";
import fc from "fast-check";
import type { Redis } from "ioredis";
import { describe, expect, test } from "vitest";
import { isRedisBusError } from "./errors.js";
import { logEvent, record, useBuses, waitUntil } from "./test-support/fixtures.js";

const url = resolveRedisUrl();
const events = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => logEvent(from + index));
/** The Redis client id of a bus's reader, once it is connected (it may be reconnecting). */
async function readerClientId(admin: Redis, keyPrefix: string): Promise<string> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const list = String(await admin.client("LIST"));
    const line = list.split("\n").find((entry) => entry.includes(`name=event-bus-redis:${keyPrefix}:reader `));
    const id = /\bid=(\d+)/.exec(line ?? "")?.[1];
    if (id) return id;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no reader connection named after ${keyPrefix}`);
}
const ids = (from: number, to: number) => events(from, to).map((event) => event.id);

describe("RedisEventBus on the local Redis", () => {
  const open = useBuses();

  test("every instance receives every event in log order; type patterns as in the in-memory bus", async () => {
    const keyPrefix = uniqueRedisPrefix("bus");
    const publisher = open.bus({ redis: url, keyPrefix });
    const instances = [open.bus({ redis: url, keyPrefix }), open.bus({ redis: url, keyPrefix })];
    const all = instances.map((bus) => record(bus));
    const settlements: string[] = [];
    const exact: string[] = [];
    instances[1]!.subscribe("settlement.*", (event) => void settlements.push(event.id));
    instances[1]!.subscribe("payment.created", (event) => void exact.push(event.id));
    await Promise.all(instances.map((bus) => bus.start()));

    const published = [logEvent(1), logEvent(2, "payment.created"), logEvent(3, "settlementx.created"), logEvent(4, "settlement.status_changed")];
    for (const event of published) await publisher.publish(event);
    await waitUntil(() => all.every((seen) => seen.length === 5), "every instance to read 4 events");

    // The first entry of a new publisher carries the gap mark: it cannot vouch for its predecessor.
    for (const seen of all) expect(seen).toEqual(["reset:publisher_gap", ...published.map((event) => event.id)]);
    expect(settlements).toEqual(["evt_000001", "evt_000004"]);
    expect(exact).toEqual(["evt_000002"]);
    expect(() => instances[0]!.subscribe("settlement.*.x", () => {})).toThrow(ValidationError);
  });

  test("events round-trip intact, dates included", async () => {
    const keyPrefix = uniqueRedisPrefix("bus");
    const bus = open.bus({ redis: url, keyPrefix });
    const received: unknown[] = [];
    bus.subscribe("*", (event) => void received.push(event));
    await bus.start();
    const event = { ...logEvent(7), payload: { amount: "12.50", nested: { list: [1, "two"] } }, publishedAt: new Date(1_700_000_000_500) };
    await bus.publish(event);
    await waitUntil(() => received.length === 1, "the event");
    expect(received[0]).toEqual(event);
  });

  test("a relay that takes over re-sends what its predecessor appended: the stream holds each event once, in order", async () => {
    const keyPrefix = uniqueRedisPrefix("bus");
    const reader = open.bus({ redis: url, keyPrefix });
    const seen = record(reader);
    await reader.start();
    const first = open.bus({ redis: url, keyPrefix });
    for (const event of events(1, 10)) await first.publish(event);
    // The new relay starts from the last event marked published (5): 6..10 again, then on.
    const second = open.bus({ redis: url, keyPrefix });
    for (const event of events(6, 15)) await second.publish(event);
    await second.publish(logEvent(3)); // an earlier event is refused as well
    await waitUntil(() => seen.filter((id) => id.startsWith("evt_")).length === 15, "15 events");
    expect(seen.filter((id) => id.startsWith("evt_"))).toEqual(ids(1, 15));
    expect(second.getStats()).toMatchObject({ appended: 5, duplicates: 6 });
    const client = open.client(url);
    expect(await client.xlen(`{${keyPrefix}}:stream`)).toBe(15);
  });

  test("property: any interleaving of re-sends by relays taking turns appends the log once, in order", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(3), fc.integer({ min: 1, max: 12 })), { minLength: 1, maxLength: 12 }), async (turns) => {
        const keyPrefix = uniqueRedisPrefix("prop");
        const relays = [0, 1, 2, 3].map(() => open.bus({ redis: url, keyPrefix }));
        // Each turn: a relay resends from a point at or before where the log has got, then goes on a bit.
        let head = 0;
        for (const [relay, length] of turns) {
          const from = Math.max(1, head - (length % 4));
          for (let n = from; n <= head + length; n += 1) await relays[relay]!.publish(logEvent(n));
          head += length;
        }
        const client = open.client(url);
        const entries = await client.xrange(`{${keyPrefix}}:stream`, "-", "+");
        const stored = entries.map(([, fields]) => fields[fields.indexOf("id") + 1]);
        expect(stored).toEqual(ids(1, head));
        await client.del(`{${keyPrefix}}:stream`, `{${keyPrefix}}:head`);
      }),
      { numRuns: 15 },
    );
  });

  test("a killed reader connection resumes from its last stream id: nothing lost, nothing twice", async () => {
    const keyPrefix = uniqueRedisPrefix("bus");
    const reader = open.bus({ redis: url, keyPrefix, blockMs: 200 });
    const seen = record(reader);
    await reader.start();
    const publisher = open.bus({ redis: url, keyPrefix });
    const admin = open.client(url);
    let kills = 0;
    for (let n = 1; n <= 300; n += 1) {
      await publisher.publish(logEvent(n));
      if (n % 100 === 50) {
        await admin.client("KILL", "ID", await readerClientId(admin, keyPrefix));
        kills += 1;
        // The next kill only once it is back: a connection killed before it was ready is one lost connection, not two.
        await waitUntil(() => reader.getStats().reconnects === kills, `reconnection ${kills}`);
      }
    }
    await waitUntil(() => seen.filter((entry) => entry.startsWith("evt_")).length >= 300, "300 events");
    expect(seen.filter((entry) => entry.startsWith("evt_"))).toEqual(ids(1, 300));
    expect(reader.getStats().reconnects).toBe(3); // it did lose its connection, three times
  });

  test("a reader behind a trim gets a reset before the next event it can read", async () => {
    const keyPrefix = uniqueRedisPrefix("bus");
    const reader = open.bus({ redis: url, keyPrefix, readCount: 5 });
    const seen = record(reader);
    let release!: () => void;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    reader.subscribe("*", (event) => (event.id === "evt_000002" ? stalled : undefined));
    await reader.start();
    const publisher = open.bus({ redis: url, keyPrefix, maxLength: 10 });
    await publisher.publish(logEvent(1));
    await publisher.publish(logEvent(2));
    await waitUntil(() => seen.includes("evt_000002"), "the reader to stall on event 2");
    for (const event of events(3, 500)) await publisher.publish(event);
    const client = open.client(url);
    expect(await client.xlen(`{${keyPrefix}}:stream`)).toBeLessThan(300); // trimmed, approximately
    release();
    await waitUntil(() => seen.includes("evt_000500"), "the last event");
    const resetAt = seen.indexOf("reset:trimmed");
    expect(resetAt).toBeGreaterThan(seen.indexOf("evt_000005")); // what it had read before the trim, it delivered
    const delivered = seen.filter((entry) => entry.startsWith("evt_"));
    expect(delivered).toEqual([...delivered].sort()); // in order, none twice
    expect(new Set(delivered).size).toBe(delivered.length);
    expect(seen.filter((entry) => entry === "reset:trimmed")).toHaveLength(1);
  });

  test("a reset listener that fails is called again before anything after the hole is delivered", async () => {
    const keyPrefix = uniqueRedisPrefix("bus");
    const errors: unknown[] = [];
    const reader = open.bus({ redis: url, keyPrefix, retryDelayMs: 20, onError: (error) => errors.push(error) });
    const seen: string[] = [];
    let failures = 2;
    reader.onReset(() => {
      seen.push("reset");
      if (failures-- > 0) throw new Error("store unreachable");
    });
    reader.subscribe("*", (event) => void seen.push(event.id));
    await reader.start();
    await open.bus({ redis: url, keyPrefix }).publish(logEvent(1)); // a new publisher: its first entry carries the gap mark
    await waitUntil(() => seen.includes("evt_000001"), "the event");
    expect(seen).toEqual(["reset", "reset", "reset", "evt_000001"]);
    expect(errors).toEqual([new Error("store unreachable"), new Error("store unreachable")]);
    expect(reader.getStats().resets).toBe(1);
  });

  test("maxAgeMs trims entries older than that", async () => {
    const keyPrefix = uniqueRedisPrefix("bus");
    const publisher = open.bus({ redis: url, keyPrefix, maxLength: 0, maxAgeMs: 100 });
    for (const event of events(1, 250)) await publisher.publish(event);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await publisher.publish(logEvent(251));
    const client = open.client(url);
    const length = await client.xlen(`{${keyPrefix}}:stream`);
    expect(length).toBeLessThan(251);
    const [[, fields] = ["", []]] = await client.xrange(`{${keyPrefix}}:stream`, "-", "+", "COUNT", 1);
    expect(fields[fields.indexOf("id") + 1]).not.toBe("evt_000001");
  });

  test("bad options and bad events are refused with a typed error, and change nothing", async () => {
    const keyPrefix = uniqueRedisPrefix("bus");
    const bad = [
      { redis: "http://127.0.0.1:6379" },
      { redis: url, keyPrefix: "a{b}" },
      { redis: url, maxLength: -1 },
      { redis: url, maxLength: 0, maxAgeMs: 0 },
      { redis: url, blockMs: 0 },
      { redis: url, readCount: 1.5 },
    ];
    for (const options of bad) expect(() => open.bus(options as never), JSON.stringify(options)).toThrow(expect.objectContaining({ code: "invalid_options" }));
    const bus = open.bus({ redis: url, keyPrefix });
    await expect(bus.publish({ ...logEvent(1), transactionId: "x1" })).rejects.toSatisfy((error) => isRedisBusError(error, "invalid_event"));
    await expect(bus.publish({ ...logEvent(1), position: -1 })).rejects.toSatisfy((error) => isRedisBusError(error, "invalid_event"));
    const client = open.client(url);
    expect(await client.exists(`{${keyPrefix}}:stream`, `{${keyPrefix}}:head`)).toBe(0);
  });

  test("close() is clean and idempotent; a closed bus refuses work", async () => {
    const keyPrefix = uniqueRedisPrefix("bus");
    const bus = open.bus({ redis: url, keyPrefix, blockMs: 60_000 });
    record(bus);
    await bus.start();
    const startedAt = Date.now();
    await Promise.all([bus.close(), bus.close()]);
    expect(Date.now() - startedAt).toBeLessThan(2_000); // the blocked read does not hold it
    await expect(bus.publish(logEvent(1))).rejects.toSatisfy((error) => isRedisBusError(error, "closed"));
    await expect(bus.start()).rejects.toSatisfy((error) => isRedisBusError(error, "closed"));
    const admin = open.client(url);
    const list = String(await admin.client("LIST"));
    expect(list).not.toContain(`name=event-bus-redis:${keyPrefix}:reader`);
  });

  test("a caller's ioredis client is used for appends and left open by close()", async () => {
    const keyPrefix = uniqueRedisPrefix("bus");
    const client = open.client(url);
    const bus = open.bus({ redis: client, keyPrefix });
    const seen = record(bus);
    await bus.start();
    await bus.publish(logEvent(1));
    await waitUntil(() => seen.includes("evt_000001"), "the event");
    await bus.close();
    expect(await client.ping()).toBe("PONG");
  });
});

describe("bad arguments", () => {
  const open = useBuses();
  test("a handler or reset listener that is not a function is a RedisBusError invalid_argument, never a TypeError", () => {
    const bus = open.bus({ redis: url, keyPrefix: uniqueRedisPrefix("bad-args") });
    for (const call of [() => bus.subscribe("*", "nope" as never), () => bus.onReset("nope" as never)]) {
      let thrown: unknown;
      try {
        call();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).not.toBeInstanceOf(TypeError);
      expect(isRedisBusError(thrown, "invalid_argument")).toBe(true);
    }
  });
});
