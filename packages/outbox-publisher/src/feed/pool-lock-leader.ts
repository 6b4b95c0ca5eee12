import { CompiledQuery, type Kysely } from "kysely";
import { checkInteger, OutboxError } from "../errors.js";
import { definedOptions } from "../options.js";
import { abortableDelay } from "../wake/abortable-delay.js";
import type { LeaderElection, Leadership } from "./leader.js";
import { checkLockTimings, LockSession } from "./lock-session.js";

/** Options of {@link poolLockLeader} and of {@link advisoryLockLeader}'s timings. */
export interface LockLeaderOptions {
  /**
   * Name of the lock (hashed into an advisory lock key). Feeds of different
   * events tables need different names.
   * @default "outbox-publisher:domain_events"
   */
  lockName?: string;
  /**
   * How often a standby tries to take the lock.
   * @default 1000
   */
  retryIntervalMs?: number;
  /**
   * How often the leader confirms its lock session with `select 1`.
   * @default 1000
   */
  healthCheckIntervalMs?: number;
  /**
   * How long one confirmation may take; the leader stops relaying once
   * `healthCheckIntervalMs + healthCheckTimeoutMs` pass without one.
   * @default 3000
   */
  healthCheckTimeoutMs?: number;
  /**
   * The server ends the leader's session (and frees the lock) after this
   * long without a query from it: the longest a silent leader keeps the
   * lock. A standby relays at most this plus `retryIntervalMs` after the
   * leader went silent. At least twice `healthCheckIntervalMs +
   * healthCheckTimeoutMs`.
   * @default 10000
   */
  sessionTimeoutMs?: number;
}

/**
 * Merges the defaults of {@link LockLeaderOptions} once; throws
 * `OutboxError("invalid_options")` for a bad value or timings that cannot
 * keep their promise (`sessionTimeoutMs` below twice
 * `healthCheckIntervalMs + healthCheckTimeoutMs`).
 */
export function resolveLockLeaderOptions(options: LockLeaderOptions = {}): Required<LockLeaderOptions> {
  const given = definedOptions(options);
  const resolved = {
    lockName: given.lockName ?? "outbox-publisher:domain_events",
    retryIntervalMs: checkInteger("retryIntervalMs", given.retryIntervalMs ?? 1_000, 1),
    healthCheckIntervalMs: checkInteger("healthCheckIntervalMs", given.healthCheckIntervalMs ?? 1_000, 10),
    healthCheckTimeoutMs: checkInteger("healthCheckTimeoutMs", given.healthCheckTimeoutMs ?? 3_000, 10),
    sessionTimeoutMs: checkInteger("sessionTimeoutMs", given.sessionTimeoutMs ?? 10_000, 1_000),
  };
  if (typeof resolved.lockName !== "string" || resolved.lockName === "") throw new OutboxError("invalid_options", "lockName must be a non-empty string");
  checkLockTimings(resolved);
  return resolved;
}

/**
 * Elects the feed's relay with a session-level `pg_try_advisory_lock` on
 * one connection of the caller's own Kysely pool (`db.connection()`), held
 * for as long as this process leads: no connection string, no extra
 * connection beyond the pool's. Reads and marks of the leader run on that
 * connection (see {@link LockSession} for what keeps a silent leader from
 * relaying). The default of `createEventPublisher` on PostgreSQL.
 *
 * The connection stays out of the pool while this process leads. One that
 * stopped answering is kept out until its last query settles, so that it is
 * never handed to other code with a query hanging on it.
 *
 * @example
 * const publisher = createEventPublisher(db, { leader: poolLockLeader(db, { lockName: "audit-feed" }) });
 */
export function poolLockLeader<DB>(database: Kysely<DB>, options?: LockLeaderOptions): LeaderElection {
  const db: Kysely<any> = database;
  const settings = resolveLockLeaderOptions(options);

  function tryLead(signal: AbortSignal): Promise<Leadership | undefined> {
    return new Promise((answer) => {
      let answered = false;
      const reply = (leadership: Leadership | undefined) => {
        if (answered) return false;
        answered = true;
        signal.removeEventListener("abort", onAbort);
        answer(leadership);
        return true;
      };
      const onAbort = () => reply(undefined);
      signal.addEventListener("abort", onAbort, { once: true });
      db.connection()
        .execute(async (connection) => {
          if (answered) return; // aborted while waiting for a connection
          const session = new LockSession(async (text, params) => {
            const result = await connection.executeQuery(CompiledQuery.raw(text, [...params]));
            const affected = result.numAffectedRows;
            return { rows: result.rows as any[], rowCount: affected === undefined ? result.rows.length : Number(affected), command: affected === undefined ? "SELECT" : "UPDATE" };
          }, settings);
          try {
            if (!(await session.tryLock(settings.lockName))) return;
            await session.lead();
          } catch {
            // no answer in time: the connection is kept out of the pool until its queries settle
            reply(undefined);
            await session.giveBack(settings.lockName);
            await session.settled();
            return;
          }
          let givenBack!: () => void;
          const done = new Promise<void>((resolve) => (givenBack = resolve));
          const release = async () => {
            session.lose();
            await done;
          };
          const ended = new Promise<void>((resolve) => session.signal.addEventListener("abort", () => resolve(), { once: true }));
          if (!reply(session.leadership(release))) session.lose(); // aborted meanwhile: give the lock back
          await ended;
          await session.giveBack(settings.lockName);
          givenBack();
          await session.settled();
        })
        .catch(() => {})
        .finally(() => reply(undefined));
    });
  }

  return {
    async acquire(signal) {
      while (!signal.aborted) {
        const leadership = await tryLead(signal);
        if (leadership) return leadership;
        await abortableDelay(settings.retryIntervalMs, signal);
      }
      return undefined;
    },
  };
}
