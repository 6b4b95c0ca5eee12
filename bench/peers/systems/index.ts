import { notifyAfterCommit } from "./notify-floor.js";
import { graphileWorker, graphileWorkerLocalQueue } from "./graphile-worker.js";
import { oursFeed, oursFeedBatched, oursGroup, oursGroupBatched } from "./ours.js";
import { pgBossBatch, pgBossDefault } from "./pg-boss.js";
import type { SystemDefinition } from "./system.js";

export type { QueueSystem, SystemDefinition } from "./system.js";

/** Every queue system the benchmarks know, by the name results use. */
export const queueSystems: Record<string, SystemDefinition> = {
  "ours feed": oursFeed,
  "ours feed, batch 5000": oursFeedBatched,
  "ours group": oursGroup,
  "ours group, batch 1000": oursGroupBatched,
  "Graphile Worker": graphileWorker,
  "Graphile Worker, local queue": graphileWorkerLocalQueue,
  "pg-boss": pgBossDefault,
  "pg-boss, batch 1000": pgBossBatch,
};

/** Measured beside the systems, not one of them. */
export const floorSystems: Record<string, SystemDefinition> = { "NOTIFY after COMMIT (floor)": notifyAfterCommit };
