import { resolveRedisUrl, uniqueRedisPrefix } from "@org/test-harness";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { isRedisBusError } from "./errors.js";
import { logEvent, monitorAppends, record, useBuses, waitUntil } from "./test-support/fixtures.js";

const url = resolveRedisUrl();
const events = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => logEvent(from + index));
const ids = (from: number, to: number) => events(from, to).map((event) => event.id);

describe("publishBatch", () => {
  const open = useBuses();

  test("appends a batch in one round trip, in order; readers get one gap mark, before the first event", async () => {
    const keyPrefix = uniqueRedisPrefix("batch");
    const reader = open.bus({ redis: url, keyPrefix });
    const seen = record(reader);
    await reader.start();
    const publisher = open.bus({ redis: url, keyPrefix });
    const appends = await monitorAppends(url, keyPrefix);
    try {
      await publisher.publishBatch(events(1, 100));
      await publisher.publishBatch(events(101, 150));
      expect(await appends.settle()).toBeLessThanOrEqual(3); // two calls (and a NOSCRIPT retry at most), not 150
    } finally {
      await appends.stop();
    }
    await waitUntil(() => seen.includes("evt_000150"), "150 events");
    expect(seen).toEqual(["reset:publisher_gap", ...ids(1, 150)]);
    expect(publisher.getStats()).toMatchObject({ appended: 150, appendCalls: 2, duplicates: 0 });
  });

  test("a batch re-sent by a relay that took over appends only what the stream lacks", async () => {
    const keyPrefix = uniqueRedisPrefix("batch");
    const first = open.bus({ redis: url, keyPrefix });
    await first.publishBatch(events(1, 10));
    const second = open.bus({ redis: url, keyPrefix });
    await second.publishBatch(events(6, 15));
    await second.publishBatch([logEvent(3), logEvent(16)]); // an earlier event is left out, a later one appended
    expect(second.getStats()).toMatchObject({ appended: 6, duplicates: 6, appendCalls: 2 });
    const client = open.client(url);
    const stored = (await client.xrange(`{${keyPrefix}}:stream`, "-", "+")).map(([, fields]) => fields[fields.indexOf("id") + 1]);
    expect(stored).toEqual(ids(1, 16));
  });

  test("property: any interleaving of batched re-sends by relays taking turns appends the log once, in order, and a reader sees it whole", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ relay: fc.nat(2), back: fc.nat(5), length: fc.integer({ min: 1, max: 30 }), batch: fc.integer({ min: 1, max: 12 }) }), { minLength: 1, maxLength: 10 }),
        async (turns) => {
          const keyPrefix = uniqueRedisPrefix("batch-prop");
          const reader = open.bus({ redis: url, keyPrefix });
          const seen = record(reader);
          await reader.start();
          const relays = [0, 1, 2].map(() => open.bus({ redis: url, keyPrefix }));
          // Each turn: a relay re-sends from at or before where the log has got, then goes on, in batches of its size.
          let head = 0;
          for (const { relay, back, length, batch } of turns) {
            const resend = events(Math.max(1, head - back), head + length);
            for (let at = 0; at < resend.length; at += batch) await relays[relay]!.publishBatch(resend.slice(at, at + batch));
            head += length;
          }
          const client = open.client(url);
          const stored = (await client.xrange(`{${keyPrefix}}:stream`, "-", "+")).map(([, fields]) => fields[fields.indexOf("id") + 1]);
          expect(stored).toEqual(ids(1, head));
          await waitUntil(() => seen.includes(logEvent(head).id), "the last event");
          // Only a relay's first append can carry the gap mark: every reset comes before an event of its own.
          expect(seen.filter((entry) => entry.startsWith("evt_"))).toEqual(ids(1, head));
          expect(seen.filter((entry) => entry.startsWith("reset:")).every((entry) => entry === "reset:publisher_gap")).toBe(true);
          await client.del(`{${keyPrefix}}:stream`, `{${keyPrefix}}:head`);
        },
      ),
      { numRuns: 15 },
    );
  });

  test("a bad event anywhere in a batch is refused with a typed error, and nothing of the batch is appended", async () => {
    const keyPrefix = uniqueRedisPrefix("batch");
    const bus = open.bus({ redis: url, keyPrefix });
    await expect(bus.publishBatch([logEvent(1), { ...logEvent(2), transactionId: "x2" }])).rejects.toSatisfy((error) => isRedisBusError(error, "invalid_event"));
    await expect(bus.publishBatch("nope" as never)).rejects.toSatisfy((error) => isRedisBusError(error, "invalid_event"));
    await bus.publishBatch([]);
    const client = open.client(url);
    expect(await client.exists(`{${keyPrefix}}:stream`, `{${keyPrefix}}:head`)).toBe(0);
    expect(bus.getStats()).toMatchObject({ appended: 0, appendCalls: 0 });
  });
});
