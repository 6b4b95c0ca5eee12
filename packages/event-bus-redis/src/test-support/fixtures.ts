import type { DomainEvent } from "@org/events";
import { Redis } from "ioredis";
import { afterEach } from "vitest";
import { createRedisEventBus, type RedisEventBus } from "../redis-event-bus.js";
import type { RedisEventBusOptions } from "../options.js";

/** The n-th event of a test log: transaction n, position n (log order = n order). */
export function logEvent(n: number, eventType = "settlement.created", transactionId = String(1000 + n)): DomainEvent {
  return {
    id: `evt_${String(n).padStart(6, "0")}`,
    tenantId: "t1",
    aggregateType: "settlement",
    aggregateId: `stl_${n}`,
    aggregateVersion: 1,
    eventType,
    schemaVersion: 1,
    payload: { n },
    metadata: {},
    position: n,
    transactionId,
    createdAt: new Date(1_700_000_000_000 + n),
    publishedAt: null,
  };
}

/** Polls `condition` every 10 ms for at most `timeoutMs`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Buses and clients a test opens, closed after it (buses first).
 */
export function useBuses() {
  const buses: RedisEventBus[] = [];
  const clients: Redis[] = [];
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
    await Promise.all(clients.splice(0).map((client) => client.quit().catch(() => client.disconnect())));
  });
  return {
    bus(options: RedisEventBusOptions): RedisEventBus {
      const bus = createRedisEventBus({ onError: () => {}, ...options });
      buses.push(bus);
      return bus;
    },
    client(url: string): Redis {
      const client = new Redis(url, { maxRetriesPerRequest: 1 });
      client.on("error", () => {});
      clients.push(client);
      return client;
    },
  };
}

/** Every event a subscriber received, and every reset, in order. */
export function record(bus: RedisEventBus, pattern = "*") {
  const seen: string[] = [];
  bus.subscribe(pattern, (event) => void seen.push(event.id));
  bus.onReset((reset) => void seen.push(`reset:${reset.reason}`));
  return seen;
}

/**
 * Counts, through Redis MONITOR, the append script calls that name `keyPrefix`'s
 * stream: one per round trip of appends (a NOSCRIPT retry counts twice).
 * `settle()` resolves once Redis has shown this monitor everything sent before it.
 */
export async function monitorAppends(url: string, keyPrefix: string) {
  const admin = new Redis(url);
  const monitor = await admin.monitor();
  const stream = `{${keyPrefix}}:stream`;
  const marker = `${keyPrefix}:monitor-marker`;
  let calls = 0;
  let markers = 0;
  monitor.on("monitor", (_time: string, args: string[], source: string) => {
    const command = String(args[0]).toLowerCase();
    if (!source.startsWith("lua") && (command === "evalsha" || command === "eval") && args.includes(stream)) calls += 1;
    if (command === "exists" && args[1] === marker) markers += 1;
  });
  return {
    async settle(): Promise<number> {
      const seen = markers;
      await admin.exists(marker);
      await waitUntil(() => markers > seen, "the monitor to see the marker");
      return calls;
    },
    async stop(): Promise<void> {
      monitor.disconnect();
      admin.disconnect();
    },
  };
}
