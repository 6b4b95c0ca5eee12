/**
 * Our outbox (the ordered feed and a worker group) beside Graphile Worker
 * 0.17 and pg-boss 10 on the same PostgreSQL, each system in its own
 * process and scratch database, in alternation, 3 rounds (medians and
 * spread):
 *
 *   pnpm bench outbox-peers          # 8–11 minutes on 2 cores
 *   BENCH_QUICK=1 pnpm bench outbox-peers   # its smoke form (CI runs every benchmark's: BENCH_QUICK=1 pnpm bench)
 *
 * 1. commit → handler and begin → handler latency at 500 and 1,000
 *    transactional enqueues/s (BEGIN; UPDATE; enqueue; COMMIT);
 * 2. 8 writers flat out (UPDATE + enqueue) with the consumer running,
 *    against the same writers doing UPDATE + a plain INSERT;
 * 3. drain of a 50,000-job backlog, with each system's default and
 *    throughput settings.
 *
 * Writes bench/results/outbox-peers.json and regenerates docs/BENCHMARKS.md.
 */
import { outboxPart } from "./peers/parts.js";
import { runPart } from "./peers/orchestrate.js";

process.exit((await runPart(outboxPart)) === 0 ? 0 : 1);
