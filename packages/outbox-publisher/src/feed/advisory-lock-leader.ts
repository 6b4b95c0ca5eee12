import pg from "pg";
import { checkInteger, OutboxError } from "../errors.js";
import { definedOptions } from "../options.js";
import { abortableDelay } from "../wake/abortable-delay.js";
import { kyselyOnClient } from "./kysely-on-client.js";
import type { LeaderElection, Leadership } from "./leader.js";

/** Options of {@link advisoryLockLeader}. */
export interface AdvisoryLockLeaderOptions {
  /** Connection string of the database; the lock lives on a connection of its own. */
  connectionString: string;
  /**
   * Name of the lock (hashed into an advisory lock key). Feeds of different
   * events tables need different names.
   * @default "outbox-publisher:domain_events"
   */
  lockName?: string;
  /**
   * How often a standby tries to take the lock: the takeover time after a
   * leader dies is about this plus the time PostgreSQL needs to notice.
   * @default 1000
   */
  retryIntervalMs?: number;
  /**
   * How often the leader checks its connection with `select 1`.
   * @default 1000
   */
  healthCheckIntervalMs?: number;
  /**
   * How long a health check may take before leadership is given up.
   * @default 2000
   */
  healthCheckTimeoutMs?: number;
}

/**
 * Elects the feed's relay with a session-level `pg_try_advisory_lock` held
 * on a dedicated connection. The leader runs its reads and marks on that
 * very connection, so when it dies (process killed, connection terminated)
 * the lock is freed and the old leader cannot mark anything any more.
 *
 * @example
 * import { advisoryLockLeader, pgListener } from "@org/outbox-publisher/pg";
 * const url = process.env.DATABASE_URL!;
 * const publisher = createEventPublisher(db, {
 *   leader: advisoryLockLeader({ connectionString: url }),
 *   listen: pgListener({ connectionString: url }),
 * });
 */
/**
 * Merges the defaults of {@link AdvisoryLockLeaderOptions} once and throws
 * `OutboxError("invalid_options")` for a bad interval.
 */
export function resolveAdvisoryLockLeaderOptions(options: AdvisoryLockLeaderOptions): Required<AdvisoryLockLeaderOptions> {
  const settings = {
    lockName: "outbox-publisher:domain_events",
    retryIntervalMs: 1_000,
    healthCheckIntervalMs: 1_000,
    healthCheckTimeoutMs: 2_000,
    ...definedOptions(options),
    connectionString: options.connectionString,
  } satisfies Required<AdvisoryLockLeaderOptions>;
  if (typeof settings.connectionString !== "string" || settings.connectionString === "") {
    throw new OutboxError("invalid_options", "connectionString must be a non-empty string");
  }
  if (typeof settings.lockName !== "string" || settings.lockName === "") throw new OutboxError("invalid_options", "lockName must be a non-empty string");
  checkInteger("retryIntervalMs", settings.retryIntervalMs, 1);
  checkInteger("healthCheckIntervalMs", settings.healthCheckIntervalMs, 10);
  checkInteger("healthCheckTimeoutMs", settings.healthCheckTimeoutMs, 10);
  return settings;
}

export function advisoryLockLeader(options: AdvisoryLockLeaderOptions): LeaderElection {
  const settings = resolveAdvisoryLockLeaderOptions(options);

  // A standby keeps one connection between tries instead of reconnecting every second.
  let standby: pg.Client | undefined;

  async function tryLock(): Promise<pg.Client | undefined> {
    try {
      if (!standby) {
        const client = new pg.Client({
          connectionString: settings.connectionString,
          application_name: "outbox-leader",
          connectionTimeoutMillis: settings.healthCheckTimeoutMs,
        });
        client.on("error", () => {
          if (standby === client) standby = undefined;
        });
        standby = client;
        await client.connect();
      }
      const client = standby;
      const { rows } = await client.query<{ locked: boolean }>("select pg_try_advisory_lock(hashtext($1)) as locked", [settings.lockName]);
      if (!rows[0]?.locked) return undefined;
      standby = undefined;
      return client;
    } catch {
      // no database right now: try again later on a new connection
      const broken = standby;
      standby = undefined;
      await broken?.end().catch(() => {});
      return undefined;
    }
  }

  async function endStandby(): Promise<void> {
    const client = standby;
    standby = undefined;
    await client?.end().catch(() => {});
  }

  function lead(client: pg.Client): Leadership {
    const lost = new AbortController();
    const lose = () => lost.abort();
    client.on("error", lose);
    client.on("end", lose);
    const health = setInterval(() => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(reject, settings.healthCheckTimeoutMs)));
      Promise.race([client.query("select 1"), timeout]).then(
        () => clearTimeout(timer),
        () => (clearTimeout(timer), lose()),
      );
    }, settings.healthCheckIntervalMs);
    let released: Promise<void> | undefined;
    return {
      db: kyselyOnClient(client),
      signal: lost.signal,
      release() {
        released ??= (async () => {
          clearInterval(health);
          lose();
          await client.end().catch(() => {}); // ending the session frees the lock
        })();
        return released;
      },
    };
  }

  return {
    async acquire(signal) {
      while (!signal.aborted) {
        const client = await tryLock();
        if (client && signal.aborted) {
          await client.end().catch(() => {});
          return undefined;
        }
        if (client) return lead(client);
        await abortableDelay(settings.retryIntervalMs, signal);
      }
      await endStandby();
      return undefined;
    },
  };
}
