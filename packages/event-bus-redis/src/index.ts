export { createRedisEventBus } from "./redis-event-bus.js";
export type { RedisEventBus, RedisEventBusStats, ResetListener, StreamReset, StreamResetReason } from "./redis-event-bus.js";
export { resolveRedisEventBusOptions } from "./options.js";
export type { RedisEventBusOptions, ResolvedRedisEventBusOptions } from "./options.js";
export { RedisBusError, isRedisBusError } from "./errors.js";
export type { RedisBusErrorCode } from "./errors.js";
