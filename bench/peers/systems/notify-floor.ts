import pg from "pg";
import { inTransaction, type QueueSystem, type SystemDefinition } from "./system.js";

/**
 * The floor of any LISTEN/NOTIFY consumer: the transaction writes a plain
 * row, and after COMMIT a NOTIFY carries the job number to a LISTEN
 * connection in the same process. Nothing is read from a table.
 */
function notifyFloor(url: string, pool: pg.Pool): QueueSystem {
  let listener: pg.Client | undefined;
  return {
    async setup() {},
    async enqueue(n, stateId) {
      await inTransaction(pool, stateId, (client) => client.query("insert into plain_jobs (payload) values ($1)", [JSON.stringify({ n })]));
      // after COMMIT and not awaited, as notifyEventsCommitted does: the commit time is COMMIT's answer
      void pool.query("select pg_notify('bench_floor', $1)", [String(n)]).catch((error: Error) => console.error(`[floor] ${error.message}`));
    },
    async fillBacklog() {
      throw new Error("the NOTIFY floor has no backlog to drain");
    },
    async startConsumer(onJob) {
      listener = new pg.Client({ connectionString: url });
      await listener.connect();
      listener.on("notification", (message) => onJob(Number(message.payload)));
      await listener.query("listen bench_floor");
    },
    async stopConsumer() {
      await listener?.end();
      listener = undefined;
    },
    async close() {},
  };
}

export const notifyAfterCommit: SystemDefinition = {
  package: "pg",
  settings: "the floor: `pg_notify` after COMMIT from the pool, received by a `LISTEN` connection in the same process (no table read)",
  create: notifyFloor,
};
