// @org/event-bus-redis as a user imports it (ESM): one event through the local Redis.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createRedisEventBus, isRedisBusError } from "@org/event-bus-redis";

const bus = createRedisEventBus({ redis: process.env.REDIS_URL || "redis://127.0.0.1:6379", keyPrefix: `pack-smoke:${randomBytes(4).toString("hex")}` });
const received = [];
bus.subscribe("settlement.*", (event) => void received.push(event));
await bus.start();
const event = {
  id: "evt_1", tenantId: "t1", aggregateType: "settlement", aggregateId: "stl_1", aggregateVersion: 1,
  eventType: "settlement.created", schemaVersion: 1, payload: { amount: "1.00" }, metadata: {},
  position: 1, transactionId: "1", createdAt: new Date(0), publishedAt: null,
};
await bus.publish(event);
for (let waited = 0; received.length === 0 && waited < 5000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
await bus.close();
assert.deepEqual(received, [event]);
await assert.rejects(bus.publish(event), (error) => isRedisBusError(error, "closed"));
console.log("  import @org/event-bus-redis: ok");
