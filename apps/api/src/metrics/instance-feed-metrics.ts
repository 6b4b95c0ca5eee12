import type { RedisEventBus } from "@org/event-bus-redis";
import type { LogFollower } from "@org/outbox-publisher";
import type { Metrics } from "./registry.js";

/**
 * Adds what feeds this instance's SSE clients when several instances share
 * the log: its follower of the log and, with Redis, its stream reader (and
 * the relay's appends). Read at each scrape; nothing is added for a part
 * this process does not run.
 */
export function sampleInstanceFeed(metrics: Metrics, { follower, bus }: { follower: LogFollower | undefined; bus: RedisEventBus | undefined }): void {
  if (follower) {
    metrics.sample({ name: "log_follower_delivered_total", help: "Events this instance's follower of the log handed to its SSE clients.", type: "counter", value: () => follower.getStats().delivered });
    metrics.sample({ name: "log_follower_reads_total", help: "Reads of the log by this instance's follower.", type: "counter", value: () => follower.getStats().reads });
  }
  if (bus) {
    metrics.sample({ name: "redis_bus_appended_total", help: "Events this instance appended to the Redis Stream (as the relay).", type: "counter", value: () => bus.getStats().appended });
    metrics.sample({ name: "redis_bus_append_calls_total", help: "Round trips that appended to the Redis Stream (one per relayed batch).", type: "counter", value: () => bus.getStats().appendCalls });
    metrics.sample({ name: "redis_bus_delivered_total", help: "Events this instance read from the Redis Stream.", type: "counter", value: () => bus.getStats().delivered });
    metrics.sample({ name: "redis_bus_resets_total", help: "Holes in the stream this instance filled from the log.", type: "counter", value: () => bus.getStats().resets });
    metrics.sample({ name: "redis_bus_reconnects_total", help: "Times this instance's stream reader reconnected.", type: "counter", value: () => bus.getStats().reconnects });
    metrics.sample({ name: "redis_bus_errors_total", help: "Failed reads, failing handlers and unreadable entries of the stream reader.", type: "counter", value: () => bus.getStats().errors });
  }
}
