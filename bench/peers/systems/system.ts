import type pg from "pg";

/**
 * One job system as the queue benchmarks drive it, inside its own process
 * and its own scratch database. Every transaction a benchmark writes is
 * `BEGIN; UPDATE bench_state …; <enqueue>; COMMIT` on one connection.
 */
export interface QueueSystem {
  /** Schema and anything else the system needs before the first enqueue. */
  setup(): Promise<void>;
  /** One transaction: the state change and the enqueue of job `n`, then whatever the system does after commit. */
  enqueue(n: number, stateId: number, aggregate: string): Promise<void>;
  /** Loads `count` jobs (n = 0 … count-1) in bulk, without a consumer running. */
  fillBacklog(count: number): Promise<void>;
  /** Starts consuming; `onJob(n)` for each job handled. */
  startConsumer(onJob: (n: number) => void): Promise<void>;
  stopConsumer(): Promise<void>;
  close(): Promise<void>;
}

export interface SystemDefinition {
  /** Package whose version the results record. */
  package: string;
  /** The settings it runs with, named as its documentation names them. */
  settings: string;
  create(url: string, pool: pg.Pool): QueueSystem;
}

/** `BEGIN; UPDATE bench_state; <enqueue>; COMMIT` on a pooled connection. */
export async function inTransaction(pool: pg.Pool, stateId: number, enqueue: (client: pg.PoolClient) => Promise<unknown>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query("update bench_state set n = n + 1 where id = $1", [stateId]);
    await enqueue(client);
    await client.query("commit");
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
