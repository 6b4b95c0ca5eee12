import { Kysely, PostgresDialect } from "kysely";
import { OutboxError } from "../errors.js";
import type { Leadership } from "./leader.js";

/** A query on the lock's connection, as `pg` answers it. */
export type SessionQuery = (text: string, params: readonly unknown[]) => Promise<{ rows: any[]; rowCount: number | null; command: string }>;

/** Timings of a lock session (all in ms). */
export interface LockSessionTimings {
  /** How often the leader confirms its session with `select 1`. */
  healthCheckIntervalMs: number;
  /** How long one confirmation may take before leadership is given up. */
  healthCheckTimeoutMs: number;
  /**
   * The server ends the lock's session after this long without a query
   * from it (idle_session_timeout), or with unacknowledged data
   * (tcp_user_timeout), or in one statement or idle transaction: a silent
   * leader's lock is freed after at most this long.
   */
  sessionTimeoutMs: number;
}

/** Server settings of the lock's session, reset when leadership is given up in good order. */
const SESSION_SETTINGS = [
  "idle_session_timeout",
  "idle_in_transaction_session_timeout",
  "statement_timeout",
  "tcp_user_timeout",
  "tcp_keepalives_idle",
  "tcp_keepalives_interval",
  "tcp_keepalives_count",
] as const;

/** Checks that the timings can keep their promise; throws `invalid_options` otherwise. */
export function checkLockTimings(timings: LockSessionTimings): void {
  const lease = timings.healthCheckIntervalMs + timings.healthCheckTimeoutMs;
  if (timings.sessionTimeoutMs < 2 * lease) {
    throw new OutboxError(
      "invalid_options",
      `sessionTimeoutMs (${timings.sessionTimeoutMs}) must be at least twice healthCheckIntervalMs + healthCheckTimeoutMs (${lease}): a silent leader stops relaying before the server frees its lock`,
    );
  }
}

/**
 * The session that holds the feed's advisory lock, and the leadership it
 * confers.
 *
 * - Every read and mark of the leader runs on this session (`db`), so a mark
 *   can only commit while the session, and with it the lock, is alive.
 * - The session asks the server to end it after `sessionTimeoutMs` of
 *   silence (idle_session_timeout, tcp_user_timeout, TCP keepalives): a
 *   leader whose network went quiet without a FIN, or whose machine paused,
 *   loses the lock within that time, and a standby takes it.
 * - The leader holds a lease, renewed by each health check that answers
 *   within `healthCheckTimeoutMs`; it lapses `healthCheckIntervalMs +
 *   healthCheckTimeoutMs` after the last check was sent. `holds()` is false
 *   from then on (checked before every event is handed over, and before every
 *   mark), so a silent leader stops relaying well before the server can free
 *   the lock (at least twice that time after its last query).
 * - A session that stopped answering is never handed back while a query of
 *   it is still outstanding (`settled` waits for them).
 */
export class LockSession {
  readonly #query: SessionQuery;
  readonly #timings: LockSessionTimings;
  readonly #lost = new AbortController();
  readonly #inflight = new Set<Promise<unknown>>();
  #leaseFrom = performance.now();
  #health: NodeJS.Timeout | undefined;
  #checking = false;
  #failed = false;

  constructor(query: SessionQuery, timings: LockSessionTimings) {
    this.#query = query;
    this.#timings = timings;
  }

  /** Aborts when leadership is lost: a query failed or timed out, or the lease lapsed. */
  get signal(): AbortSignal {
    return this.#lost.signal;
  }

  /** True while the lease is fresh and the session has not failed. */
  holds(): boolean {
    if (this.#lost.signal.aborted) return false;
    const lease = this.#timings.healthCheckIntervalMs + this.#timings.healthCheckTimeoutMs;
    if (performance.now() - this.#leaseFrom > lease) this.lose(new OutboxError("invalid_state", "the leader's lease lapsed: its lock session did not answer in time"));
    return !this.#lost.signal.aborted;
  }

  /** Ends leadership: with a reason, as a failure (the session is not trusted any more); without, in good order. */
  lose(reason?: unknown): void {
    if (reason !== undefined && !this.#lost.signal.aborted) this.#failed = true;
    if (!this.#lost.signal.aborted) this.#lost.abort(reason);
    clearInterval(this.#health);
  }

  /**
   * Runs one query on the session. Rejects at once when leadership is lost
   * (the query itself stays tracked until it settles), and after
   * `timeoutMs` if given, which also loses leadership.
   */
  query(text: string, params: readonly unknown[] = [], timeoutMs?: number): ReturnType<SessionQuery> {
    if (this.#lost.signal.aborted) return Promise.reject(new OutboxError("invalid_state", "leadership was lost", { cause: this.#lost.signal.reason }));
    const running = this.#tracked(text, params);
    return new Promise((resolve, reject) => {
      const fail = (error: unknown) => {
        cleanup();
        reject(error);
      };
      const onLost = () => fail(new OutboxError("invalid_state", "leadership was lost", { cause: this.#lost.signal.reason }));
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              const error = new OutboxError("invalid_state", `the lock session did not answer within ${timeoutMs} ms`);
              this.lose(error);
              fail(error);
            }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#lost.signal.removeEventListener("abort", onLost);
      };
      this.#lost.signal.addEventListener("abort", onLost, { once: true });
      running.then(
        (result) => {
          cleanup();
          resolve(result);
        },
        (error) => {
          if (isConnectionLoss(error)) this.lose(error);
          fail(error);
        },
      );
    });
  }

  #tracked(text: string, params: readonly unknown[]): ReturnType<SessionQuery> {
    const running = this.#query(text, params);
    this.#inflight.add(running);
    const forget = () => void this.#inflight.delete(running);
    running.then(forget, forget);
    return running;
  }

  /** Tries the advisory lock `hashtext(lockName)` within the health check timeout. */
  async tryLock(lockName: string): Promise<boolean> {
    const { rows } = await this.query("select pg_try_advisory_lock(hashtext($1)) as locked", [lockName], this.#timings.healthCheckTimeoutMs);
    return rows[0]?.locked === true;
  }

  /** Asks the server to end this session when it goes silent, and starts the health checks. */
  async lead(): Promise<void> {
    const ms = String(this.#timings.sessionTimeoutMs);
    const keepalive = String(Math.max(1, Math.floor(this.#timings.sessionTimeoutMs / 4000)));
    const values: Record<(typeof SESSION_SETTINGS)[number], string> = {
      idle_session_timeout: ms,
      idle_in_transaction_session_timeout: ms,
      statement_timeout: ms,
      tcp_user_timeout: ms,
      tcp_keepalives_idle: keepalive,
      tcp_keepalives_interval: keepalive,
      tcp_keepalives_count: "3",
    };
    // Settings this server does not know (idle_session_timeout before PostgreSQL 14) are left out.
    await this.query(
      "select set_config(s.name, v.value, false) from pg_settings s join unnest($1::text[], $2::text[]) v(name, value) on v.name = s.name",
      [Object.keys(values), Object.values(values)],
      this.#timings.healthCheckTimeoutMs,
    );
    this.#leaseFrom = performance.now();
    this.#health = setInterval(() => void this.#check(), this.#timings.healthCheckIntervalMs);
  }

  async #check(): Promise<void> {
    if (this.#checking || this.#lost.signal.aborted) return;
    this.#checking = true;
    const sentAt = performance.now();
    try {
      await this.query("select 1", [], this.#timings.healthCheckTimeoutMs);
      this.#leaseFrom = sentAt;
    } catch {
      // query() has given leadership up
    } finally {
      this.#checking = false;
    }
    this.holds();
  }

  /**
   * Ends leadership and, unless the session failed, gives the lock up in
   * good order (unlock, reset the settings), bounded in time; returns whether
   * it did. Call {@link settled} before handing the connection back.
   */
  async giveBack(lockName: string): Promise<boolean> {
    this.lose();
    if (this.#failed) return false;
    try {
      await withTimeout(this.#tracked("select pg_advisory_unlock(hashtext($1))", [lockName]), this.#timings.healthCheckTimeoutMs);
      await withTimeout(
        this.#tracked("select set_config(name, reset_val, false) from pg_settings where name = any($1::text[])", [[...SESSION_SETTINGS]]),
        this.#timings.healthCheckTimeoutMs,
      );
      return true;
    } catch {
      this.#failed = true; // not answering: the server ends the session by its timeouts
      return false;
    }
  }

  /** Resolves once no query of the session is outstanding. */
  async settled(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  /** A Kysely instance whose queries run on this session, fenced by the leadership. */
  kysely(): Kysely<any> {
    const connection = { query: (text: string, params?: unknown[]) => this.query(text, params ?? []), release: () => {} };
    const pool = { connect: async () => connection, end: async () => {} };
    return new Kysely({ dialect: new PostgresDialect({ pool: pool as never }) });
  }

  /** The leadership this session confers; `release` ends it. */
  leadership(release: () => Promise<void>): Leadership {
    return { db: this.kysely(), signal: this.signal, holds: () => this.holds(), release };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))),
  ]);
}

/**
 * Errors after which the session cannot be trusted: no SQLSTATE (the socket
 * failed), a connection exception (08) or operator intervention (57: the
 * server ended the session, e.g. by idle_session_timeout).
 */
function isConnectionLoss(error: unknown): boolean {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== "string" || !/^[0-9A-Z]{5}$/.test(code)) return true;
  return code.startsWith("08") || code.startsWith("57");
}
