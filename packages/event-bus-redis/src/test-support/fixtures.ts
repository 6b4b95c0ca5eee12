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
