export { createEventPublisher } from "./feed/ordered-feed.js";
export type { EventPublisher, EventPublisherOptions, PublisherStats } from "./feed/ordered-feed.js";
export type { StuckHead } from "./feed/stuck-head.js";
export type { BatchHandler } from "./feed/relay-batch.js";
export { skippedByFeed } from "./feed/skipped-by-feed.js";
export { singleProcessLeader } from "./feed/leader.js";
export type { LeaderElection, Leadership } from "./feed/leader.js";
export { defaultLeader } from "./feed/default-leader.js";
export { poolLockLeader } from "./feed/pool-lock-leader.js";
export type { LockLeaderOptions } from "./feed/pool-lock-leader.js";

export { createEventWorker } from "./worker/event-worker.js";
export type { EventWorker, EventWorkerOptions } from "./worker/event-worker.js";
export { registerWorkerGroup, dropWorkerGroup } from "./worker/group-admin.js";
export type { WorkerGroupOptions } from "./worker/group-admin.js";
export { replayIntoGroup } from "./worker/replay-into-group.js";
export type { ReplayIntoGroupOptions } from "./worker/replay-into-group.js";

export { notifyEventsCommitted } from "./wake/notify.js";
export type { NotifyOptions } from "./wake/notify.js";
export { pgliteListener } from "./wake/pglite-listener.js";
export type { PgliteLike } from "./wake/pglite-listener.js";
export { DEFAULT_CHANNEL } from "./wake/wake-source.js";
export type { WakeSource } from "./wake/wake-source.js";

export { createDeadLetterQueue } from "./dead-letters.js";
export type { DeadLetter, DeadLetterFilter, DeadLetterQueue } from "./dead-letters.js";
export { replayEvents } from "./replay.js";
export type { ReplayOptions } from "./replay.js";
export { deleteOldEvents } from "./retention.js";
export type { RetentionOptions } from "./retention.js";

export { readOutboxStats } from "./stats/read-outbox-stats.js";
export type { OutboxStats, OutboxStatsOptions } from "./stats/read-outbox-stats.js";
export type { DeliveryStats, MetricListener, OutboxMetric } from "./stats/metrics.js";
export type { LatencySummary } from "./stats/latency-histogram.js";

export type { RetryOptions } from "./retry/backoff.js";

export { migrate } from "./migrations.js";
export type { OutboxTableOptions } from "./tables.js";
export { OutboxError, isOutboxError } from "./errors.js";
export type { OutboxErrorCode } from "./errors.js";

export { createLogFollower } from "./follow/log-follower.js";
export type { LogFollower, LogFollowerStats } from "./follow/log-follower.js";
export { resolveLogFollowerOptions } from "./follow/follower-options.js";
export type { LogFollowerOptions, ResolvedLogFollowerOptions } from "./follow/follower-options.js";
