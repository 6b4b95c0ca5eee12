import { Logger, run, runMigrations, type Runner } from "graphile-worker";
import type pg from "pg";
import { inTransaction, type QueueSystem, type SystemDefinition } from "./system.js";

const silent = new Logger(() => () => {});

/**
 * Graphile Worker: `graphile_worker.add_job` in the transaction (its
 * trigger NOTIFYs inside the transaction), `run()` with a task list.
 */
function graphile(worker: Record<string, unknown>): (url: string, pool: pg.Pool) => QueueSystem {
  return (url, pool) => {
    let runner: Runner | undefined;
    return {
      async setup() {
        await runMigrations({ connectionString: url, logger: silent });
      },
      async enqueue(n, stateId) {
        await inTransaction(pool, stateId, (client) => client.query("select graphile_worker.add_job('bench', $1::json)", [JSON.stringify({ n })]));
      },
      async fillBacklog(count) {
        for (let from = 0; from < count; from += 10_000) {
          await pool.query(
            `select graphile_worker.add_jobs(array(
               select row('bench', json_build_object('n', g), null, null, null, null, null, null)::graphile_worker.job_spec
               from generate_series($1::int, $2::int) g))`,
            [from, Math.min(count, from + 10_000) - 1],
          );
        }
        await pool.query("vacuum analyze graphile_worker._private_jobs");
      },
      async startConsumer(onJob) {
        runner = await run({
          connectionString: url,
          concurrency: 10,
          maxPoolSize: 12,
          noHandleSignals: true,
          logger: silent,
          taskList: { bench: async (payload) => onJob((payload as { n: number }).n) },
          preset: { worker } as GraphileConfig.Preset,
        });
      },
      async stopConsumer() {
        await runner?.stop();
        runner = undefined;
      },
      async close() {},
    };
  };
}

export const graphileWorker: SystemDefinition = {
  package: "graphile-worker",
  settings: "`run()` with `concurrency` 10, `maxPoolSize` 12 (the docs' `concurrentJobs + 2`), LISTEN/NOTIFY (built in), `pollInterval` 2000 (default, the fallback), no local queue",
  create: graphile({}),
};

export const graphileWorkerLocalQueue: SystemDefinition = {
  package: "graphile-worker",
  settings: "as above plus the docs' batching for throughput: `localQueue: { size: 500 }`, `completeJobBatchDelay: 0`",
  create: graphile({ localQueue: { size: 500 }, completeJobBatchDelay: 0 }),
};
