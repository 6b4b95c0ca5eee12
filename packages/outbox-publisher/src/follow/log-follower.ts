import { createEventStore, type Checkpoint, type DomainEvent, type EventHandler, type EventsDatabase, type Executor } from "@org/events";
import type { Kysely } from "kysely";
import { OutboxError } from "../errors.js";
import { createLifecycle } from "../lifecycle.js";
import { resolveTables } from "../tables.js";
import { abortableDelay } from "../wake/abortable-delay.js";
import { Wakeup } from "../wake/wakeup.js";
import { resolveLogFollowerOptions, type LogFollowerOptions } from "./follower-options.js";
import { compareCheckpoints, readHead } from "./read-head.js";

/** In-process figures of a {@link LogFollower}. */
export interface LogFollowerStats {
  /** Events handed to the handlers. */
  delivered: number;
  /** Events offered by `accept()` that were already delivered. */
  skipped: number;
  /** Reads of the log. */
  reads: number;
  /** Failed reads and failing handlers. */
  errors: number;
  /** The last delivered event's place in the log (or where it started). */
  checkpoint: Checkpoint | null;
}

/** Follows the log in commit-safe order without marking anything. */
export interface LogFollower {
  /** Finds where to start (see `from`), starts listening and reading; resolves once positioned. Idempotent. */
  start(): Promise<void>;
  /** Stops reading; resolves once the event being delivered settled. Idempotent. */
  stop(): Promise<void>;
  /** Adds a handler for every event; returns the function that removes it. */
  onEvent(handler: EventHandler): () => void;
  /** Reads soon (e.g. after a write in this process). */
  notify(): void;
  /** Reads now until everything that had committed when called is delivered. */
  catchUp(): Promise<void>;
  /**
   * Delivers an event that another carrier (a bus) brought faster than a
   * read would, when it comes after the last delivered one; returns false
   * (and delivers nothing) when it was already delivered. The carrier
   * vouches that no event lies between the last delivered one and this one;
   * when it cannot (a hole in a stream), call `catchUp()` first.
   */
  accept(event: DomainEvent): Promise<boolean>;
  /** The last delivered event's place in the log (or where it started); null before the first. */
  readonly checkpoint: Checkpoint | null;
  getStats(): LogFollowerStats;
}

const placeOf = (event: DomainEvent): Checkpoint => ({ transactionId: event.transactionId, position: event.position });

/**
 * A follower of the log: reads every committed event after its own
 * in-memory checkpoint in the log's commit-safe order `(transaction_id,
 * position)` (the order `createEventStore(db).readAfter` replays), when
 * woken by LISTEN/NOTIFY or by its poll, and hands each to its handlers. It
 * marks nothing and takes no lock, so any number of processes can follow
 * beside the one relay (`createEventPublisher`): each instance of a service
 * feeds its own SSE clients every event, in the order a resume replays.
 * Handlers that fail are reported, not retried: it serves local fan-out,
 * not side effects (those belong to the relay or a worker).
 *
 * @example
 * const follower = createLogFollower(db, { listen: pgListener({ connectionString }) });
 * follower.onEvent((event) => broadcaster.broadcast(event));
 * await follower.start();
 * // on shutdown
 * await follower.stop();
 */
export function createLogFollower<DB extends EventsDatabase<T>, T extends string = "domain_events">(
  database: Executor<DB>,
  options: LogFollowerOptions<T> = {},
): LogFollower {
  const db: Kysely<any> = database;
  const { listen, pollIntervalMs, batchSize, minReadIntervalMs, from, onError, tableName } = resolveLogFollowerOptions(options);
  const tables = resolveTables({ tableName });
  const store = createEventStore(db, { tableName });
  const handlers = new Set<EventHandler>();
  const wakeup = new Wakeup();
  const stats = { delivered: 0, skipped: 0, reads: 0, errors: 0 };
  let checkpoint: Checkpoint | null = null;
  let positioned: Promise<void> | undefined;
  const report = (error: unknown) => {
    stats.errors += 1;
    try {
      onError?.(error);
    } catch {
      // a failing listener must not stop the follower
    }
  };

  // Reads, accepted events and positioning run one at a time, so delivery follows the log's order.
  let tail: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work);
    tail = run.catch(() => {});
    return run;
  };

  async function deliver(event: DomainEvent): Promise<void> {
    checkpoint = placeOf(event);
    stats.delivered += 1;
    const results = await Promise.allSettled([...handlers].map(async (handler) => handler(event)));
    for (const result of results) if (result.status === "rejected") report(result.reason);
  }

  const readPage = () =>
    exclusive(async () => {
      stats.reads += 1;
      const page = await store.readAfter(checkpoint, { limit: batchSize });
      for (const event of page.events) await deliver(event);
      return page.events.length;
    });

  async function drain(signal?: AbortSignal): Promise<void> {
    while (!signal?.aborted) {
      if ((await readPage()) < batchSize) return;
    }
  }

  const position = () =>
    (positioned ??= exclusive(async () => {
      const start = from === "head" ? await readHead(db, tables) : from === "start" ? null : from;
      // An event accepted before the start must not be delivered again.
      if (start && (checkpoint === null || compareCheckpoints(start, checkpoint) > 0)) checkpoint = start;
    }));

  const lifecycle = createLifecycle({
    listen,
    onWake: () => wakeup.notify(),
    onError: report,
    async run(stopSignal) {
      let lastReadAt = Number.NEGATIVE_INFINITY;
      while (!stopSignal.aborted) {
        const gap = lastReadAt + minReadIntervalMs - Date.now();
        if (gap > 0) await abortableDelay(gap, stopSignal);
        if (stopSignal.aborted) break;
        lastReadAt = Date.now();
        try {
          await drain(stopSignal);
        } catch (error) {
          if (stopSignal.aborted) break;
          report(error);
        }
        await wakeup.wait(pollIntervalMs === 0 ? 2_147_483_647 : pollIntervalMs, stopSignal);
      }
      await tail;
    },
  });

  return {
    async start() {
      await position();
      await lifecycle.start();
    },
    stop: () => lifecycle.stop(),
    onEvent(handler) {
      if (typeof handler !== "function") throw new OutboxError("invalid_argument", "handler must be a function");
      handlers.add(handler);
      return () => void handlers.delete(handler);
    },
    notify: () => wakeup.notify(),
    catchUp: async () => {
      await position();
      await drain();
    },
    accept(event) {
      return exclusive(async () => {
        if (checkpoint !== null && compareCheckpoints(placeOf(event), checkpoint) <= 0) {
          stats.skipped += 1;
          return false;
        }
        await deliver(event);
        return true;
      });
    },
    get checkpoint() {
      return checkpoint;
    },
    getStats: () => ({ ...stats, checkpoint }),
  };
}
