/**
 * A publisher process for the multi-process tests. Runs the ordered feed
 * (MODE=feed) or a worker of group "multi" (MODE=worker) against
 * DATABASE_URL and writes one line per handled event to stdout, with a
 * synchronous write, so a line exists before the event can be marked:
 *   H <eventId> <aggregateId> <aggregateVersion> <startNs> <endNs>
 * (monotonic clock, comparable across processes on one machine). Also
 * prints READY, LEADER. SIGTERM stops it gracefully. Env: BATCH_SIZE,
 * LEASE_MS, SLOW_FIRST, HANDLE_MS (every event takes this long).
 * MODE=default-feed starts the feed with only `pollIntervalMs` and
 * `batchSize`, so that it elects its relay the default way.
 */
import { writeSync } from "node:fs";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { DomainEvent } from "@org/events";
import { createEventPublisher } from "../feed/ordered-feed.js";
import { advisoryLockLeader } from "../feed/advisory-lock-leader.js";
import { createEventWorker } from "../worker/event-worker.js";
import { pgListener } from "../wake/pg-listener.js";

const url = process.env.DATABASE_URL!;
const mode = process.env.MODE ?? "feed";
const batchSize = Number(process.env.BATCH_SIZE ?? 100);
const leaseMs = Number(process.env.LEASE_MS ?? 30_000);
// The first SLOW_FIRST events each take 1 ms, so that a batch takes long enough to be killed in the middle.
let slow = Number(process.env.SLOW_FIRST ?? 0);
const handleMs = Number(process.env.HANDLE_MS ?? 0);
const pool = new pg.Pool({ connectionString: url, max: 4 });
// a checked-out connection that dies (the default election's lock connection) must not crash the process
pool.on("connect", (client) => void client.on("error", () => {}));
pool.on("error", () => {});
const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
const say = (line: string) => writeSync(1, `${line}\n`);

async function handle(event: DomainEvent): Promise<void> {
  const start = process.hrtime.bigint();
  if (handleMs > 0) await new Promise((resolve) => setTimeout(resolve, handleMs));
  else if (slow-- > 0) await new Promise((resolve) => setTimeout(resolve, 1));
  else if (event.aggregateVersion % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
  say(`H ${event.id} ${event.aggregateId} ${event.aggregateVersion} ${start} ${process.hrtime.bigint()}`);
}

const listen = pgListener({ connectionString: url, healthCheckIntervalMs: 500 });
const runner =
  mode === "feed"
    ? (() => {
        const publisher = createEventPublisher(db, {
          batchSize,
          pollIntervalMs: 200,
          listen,
          leader: advisoryLockLeader({ connectionString: url, retryIntervalMs: 200 }),
          onMetric: (metric) => metric.type === "leadership_acquired" && say("LEADER"),
        });
        publisher.onEvent(handle);
        return publisher;
      })()
    : mode === "default-feed"
      ? (() => {
          const publisher = createEventPublisher(db, { batchSize, pollIntervalMs: 200, onMetric: (metric) => metric.type === "leadership_acquired" && say("LEADER") });
          publisher.onEvent(handle);
          return publisher;
        })()
      : createEventWorker(db, { group: "multi", handler: handle, batchSize, leaseMs, pollIntervalMs: 200, concurrency: 8, listen });

process.on("SIGTERM", () => {
  void runner
    .stop()
    .then(() => db.destroy())
    .then(() => process.exit(0));
});
await runner.start();
say("READY");
