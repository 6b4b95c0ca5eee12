import PgBoss from "pg-boss";
import type pg from "pg";
import { inTransaction, type QueueSystem, type SystemDefinition } from "./system.js";

const QUEUE = "bench";

/**
 * pg-boss: `send` in the transaction through its `db` option, `work()`
 * polling (pg-boss has no LISTEN: a worker fetches a batch, hands it to the
 * handler, and waits out the rest of its polling interval).
 */
function pgBoss({ workers, batchSize }: { workers: number; batchSize: number }): (url: string, pool: pg.Pool) => QueueSystem {
  return (url, pool) => {
    const boss = new PgBoss({ connectionString: url, max: 10, schedule: false });
    boss.on("error", (error) => console.error(`[pg-boss] ${error.message}`));
    return {
      async setup() {
        await boss.start();
        await boss.createQueue(QUEUE);
      },
      async enqueue(n, stateId) {
        await inTransaction(pool, stateId, (client) =>
          boss.send(QUEUE, { n }, { db: { executeSql: (text, values) => client.query(text, values) } }),
        );
      },
      async fillBacklog(count) {
        for (let from = 0; from < count; from += 5_000) {
          const jobs = Array.from({ length: Math.min(count, from + 5_000) - from }, (_, i) => ({ name: QUEUE, data: { n: from + i } }));
          await boss.insert(jobs);
        }
        await pool.query("vacuum analyze pgboss.job");
      },
      async startConsumer(onJob) {
        for (let i = 0; i < workers; i++) {
          await boss.work<{ n: number }>(QUEUE, { pollingIntervalSeconds: 0.5, batchSize }, async (jobs) => {
            for (const job of jobs) onJob(job.data.n);
          });
        }
      },
      async stopConsumer() {
        await boss.offWork(QUEUE);
      },
      async close() {
        await boss.stop({ graceful: false, wait: true });
      },
    };
  };
}

export const pgBossDefault: SystemDefinition = {
  package: "pg-boss",
  settings: "`work()` x10 (v10 runs handlers concurrently by calling `work` again), `batchSize` 100, `pollingIntervalSeconds` 0.5 (the least it allows); `send` with `{ db }` inside the transaction; `schedule: false`",
  create: pgBoss({ workers: 10, batchSize: 100 }),
};

export const pgBossBatch: SystemDefinition = {
  package: "pg-boss",
  settings: "as above with `batchSize` 1000 (batched fetch and completion)",
  create: pgBoss({ workers: 10, batchSize: 1000 }),
};
