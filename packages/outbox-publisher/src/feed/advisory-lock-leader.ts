import pg from "pg";
import { OutboxError } from "../errors.js";
import { abortableDelay } from "../wake/abortable-delay.js";
import type { LeaderElection, Leadership } from "./leader.js";
import { LockSession } from "./lock-session.js";
import { resolveLockLeaderOptions, type LockLeaderOptions } from "./pool-lock-leader.js";

/** Options of {@link advisoryLockLeader}. */
export interface AdvisoryLockLeaderOptions extends LockLeaderOptions {
  /** Connection string of the database; the lock lives on a connection of its own. */
  connectionString: string;
}

/**
 * Merges the defaults of {@link AdvisoryLockLeaderOptions} once (those of
 * {@link resolveLockLeaderOptions}) and throws `OutboxError("invalid_options")`
 * for a missing connection string or a bad timing.
 */
export function resolveAdvisoryLockLeaderOptions(options: AdvisoryLockLeaderOptions): Required<AdvisoryLockLeaderOptions> {
  if (typeof options?.connectionString !== "string" || options.connectionString === "") {
    throw new OutboxError("invalid_options", "connectionString must be a non-empty string");
  }
  return { ...resolveLockLeaderOptions(options), connectionString: options.connectionString };
}

/**
 * Elects the feed's relay with a session-level `pg_try_advisory_lock` held
 * on a dedicated connection (with TCP keepalive) opened from a connection
 * string, for when the feed should not take a connection of the
 * application's pool; otherwise the default election (`poolLockLeader`)
 * does the same on the pool. The leader runs its reads and marks on that
 * very connection, so when it dies (process killed, connection terminated)
 * the lock is freed and the old leader cannot mark anything any more; a
 * silent leader is handled as described on {@link LockSession}.
 *
 * @example
 * import { advisoryLockLeader, pgListener } from "@org/outbox-publisher/pg";
 * const url = process.env.DATABASE_URL!;
 * const publisher = createEventPublisher(db, {
 *   leader: advisoryLockLeader({ connectionString: url }),
 *   listen: pgListener({ connectionString: url }),
 * });
 */
export function advisoryLockLeader(options: AdvisoryLockLeaderOptions): LeaderElection {
  const settings = resolveAdvisoryLockLeaderOptions(options);
  const { connectionString } = settings;
  // A standby keeps one connection between tries instead of reconnecting every second.
  let standby: { client: pg.Client; session: LockSession } | undefined;

  function connect(): { client: pg.Client; session: LockSession } {
    const client = new pg.Client({
      connectionString,
      application_name: "outbox-leader",
      connectionTimeoutMillis: settings.healthCheckTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: Math.max(1_000, Math.floor(settings.sessionTimeoutMs / 4)),
    });
    const session = new LockSession(async (text, params) => {
      const result = await client.query(text, [...params]);
      return { rows: result.rows, rowCount: result.rowCount, command: result.command };
    }, settings);
    client.on("error", (error) => session.lose(error));
    client.on("end", () => session.lose(new Error("the lock connection ended")));
    return { client, session };
  }

  async function drop(entry: { client: pg.Client; session: LockSession } | undefined): Promise<void> {
    if (!entry) return;
    entry.session.lose();
    // ending a socket that no longer answers may never complete: do not wait for it
    void entry.client.end().catch(() => {});
  }

  async function tryLock(): Promise<{ client: pg.Client; session: LockSession } | undefined> {
    try {
      if (!standby) {
        const entry = connect();
        standby = entry;
        await entry.client.connect();
      }
      const entry = standby;
      if (!(await entry.session.tryLock(settings.lockName))) return undefined;
      standby = undefined;
      await entry.session.lead();
      return entry;
    } catch {
      // no database right now: try again later on a new connection
      const broken = standby;
      standby = undefined;
      await drop(broken);
      return undefined;
    }
  }

  function lead({ client, session }: { client: pg.Client; session: LockSession }): Leadership {
    let released: Promise<void> | undefined;
    return session.leadership(() => {
      released ??= (async () => {
        await session.giveBack(settings.lockName);
        await drop({ client, session }); // ending the session frees the lock in any case
      })();
      return released;
    });
  }

  return {
    async acquire(signal) {
      while (!signal.aborted) {
        const entry = await tryLock();
        if (entry && signal.aborted) {
          await drop(entry);
          return undefined;
        }
        if (entry) return lead(entry);
        await abortableDelay(settings.retryIntervalMs, signal);
      }
      await drop(standby);
      standby = undefined;
      return undefined;
    },
  };
}
