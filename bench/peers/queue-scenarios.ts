import { performance } from "node:perf_hooks";
import type pg from "pg";
import { distribution, type Distribution } from "./stats.js";
import type { QueueSystem } from "./systems/index.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves when `done()` holds, checking every 2 ms; false after `timeoutMs`. */
async function until(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) return false;
    await sleep(2);
  }
  return true;
}

export interface LatencyResult {
  target: number;
  reached: number;
  commitToHandler: Distribution;
  beginToHandler: Distribution;
  lost: number;
}

/**
 * Transactions paced at `rate` per second for `seconds` (at most 8 in
 * flight, as a pool of 8 would), after a warm-up of half a second: for each
 * job, the time from sending BEGIN and from COMMIT's answer to its handler.
 */
export async function latency(system: QueueSystem, { rate, seconds }: { rate: number; seconds: number }): Promise<LatencyResult> {
  const warm = Math.ceil(rate / 2);
  const total = warm + Math.round(rate * seconds);
  const began = new Float64Array(total);
  const committed = new Float64Array(total);
  const received = new Float64Array(total);
  let handled = 0;
  await system.startConsumer((n) => {
    if (n >= 0 && n < total && received[n] === 0) {
      received[n] = performance.now();
      handled++;
    }
  });
  const inFlight = new Set<Promise<void>>();
  let start = performance.now();
  let measuredStart = start;
  for (let i = 0; i < total; i++) {
    if (i === warm) {
      await Promise.all(inFlight);
      start = measuredStart = performance.now();
    }
    const due = start + (((i < warm ? i : i - warm) * 1000) / rate);
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    began[i] = performance.now();
    const write = system.enqueue(i, i % 1000, `agg_${i % 1000}`).then(() => void (committed[i] = performance.now()));
    inFlight.add(write);
    void write.finally(() => inFlight.delete(write));
    if (inFlight.size >= 8) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const reached = (total - warm) / ((performance.now() - measuredStart) / 1000);
  await until(() => handled >= total, 30_000);
  await system.stopConsumer();
  const commit: number[] = [];
  const begin: number[] = [];
  for (let i = warm; i < total; i++) {
    if (received[i] === 0) continue;
    commit.push(Math.max(0, received[i]! - committed[i]!));
    begin.push(received[i]! - began[i]!);
  }
  return { target: rate, reached, commitToHandler: distribution(commit), beginToHandler: distribution(begin), lost: total - handled };
}

export interface WritersResult {
  writers: number;
  baselinePerSecond: number;
  withConsumerPerSecond: number;
  ratio: number;
  catchUpMs: number;
  /** Commit → handler of the jobs written while the writers ran flat out. */
  commitToHandler: Distribution;
}

/**
 * `writers` connections flat out for `seconds`, each transaction
 * `UPDATE bench_state` + the enqueue with the consumer running, between two
 * baseline periods of `UPDATE bench_state` + a plain INSERT of a job-sized row
 * (no consumer). The ratio is against the mean of the two baselines.
 */
export async function writers(system: QueueSystem, pool: pg.Pool, { seconds, writers: count }: { seconds: number; writers: number }): Promise<WritersResult> {
  const payload = (n: number) => JSON.stringify({ n });
  const baseline = async () => {
    let n = 0;
    const end = performance.now() + seconds * 1000;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: count }, async (_, w) => {
        while (performance.now() < end) {
          const client = await pool.connect();
          try {
            await client.query("begin");
            await client.query("update bench_state set n = n + 1 where id = $1", [w]);
            await client.query("insert into plain_jobs (payload) values ($1)", [payload(n++)]);
            await client.query("commit");
          } finally {
            client.release();
          }
        }
      }),
    );
    return n / ((performance.now() - start) / 1000);
  };
  const before = await baseline();
  const committed: number[] = [];
  const received: number[] = [];
  let handled = 0;
  await system.startConsumer((n) => {
    received[n] = performance.now();
    handled++;
  });
  let n = 0;
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: count }, async (_, w) => {
      for (let i = 0; performance.now() < end; i++) {
        const job = n++;
        await system.enqueue(job, w, `w${w}_${i % 25}`);
        committed[job] = performance.now();
      }
    }),
  );
  const rate = n / ((performance.now() - start) / 1000);
  const drainStart = performance.now();
  await until(() => handled >= n, 60_000);
  const catchUpMs = performance.now() - drainStart;
  await system.stopConsumer();
  const after = await baseline();
  const baselinePerSecond = (before + after) / 2;
  const latencies = committed.flatMap((at, job) => (received[job] === undefined ? [] : [Math.max(0, received[job]! - at)]));
  return { writers: count, baselinePerSecond, withConsumerPerSecond: rate, ratio: rate / baselinePerSecond, catchUpMs, commitToHandler: distribution(latencies) };
}

export interface DrainResult {
  backlog: number;
  seconds: number;
  perSecond: number;
  handled: number;
}

/** Loads `count` jobs, then times the consumer from its start until it has handled them all. */
export async function drain(system: QueueSystem, { count, timeoutSeconds }: { count: number; timeoutSeconds: number }): Promise<DrainResult> {
  await system.fillBacklog(count);
  let handled = 0;
  const start = performance.now();
  await system.startConsumer(() => void handled++);
  await until(() => handled >= count, timeoutSeconds * 1000);
  const seconds = (performance.now() - start) / 1000;
  await system.stopConsumer();
  return { backlog: count, seconds, perSecond: Math.min(handled, count) / seconds, handled };
}
