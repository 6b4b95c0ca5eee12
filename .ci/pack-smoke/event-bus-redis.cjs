// @org/event-bus-redis as a CommonJS user requires it.
const assert = require("node:assert/strict");
const { createRedisEventBus, resolveRedisEventBusOptions, RedisBusError } = require("@org/event-bus-redis");

assert.equal(typeof createRedisEventBus, "function");
assert.throws(
  () => resolveRedisEventBusOptions({ redis: "redis://127.0.0.1:6379", maxLength: 0, maxAgeMs: 0 }),
  (error) => error instanceof RedisBusError && error.code === "invalid_options",
);
console.log("  require @org/event-bus-redis: ok");
