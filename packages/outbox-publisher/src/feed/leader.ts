import type { Kysely } from "kysely";

/** One term of leadership of the ordered feed. */
export interface Leadership {
  /**
   * An executor fenced by the leadership: its queries fail once leadership
   * is lost, so a deposed leader cannot mark events. Undefined: use the
   * publisher's own executor.
   */
  readonly db?: Kysely<any>;
  /** Aborts when leadership is lost (connection gone, health check failed). */
  readonly signal: AbortSignal;
  /**
   * Whether leadership is still confirmed, checked before every event is
   * handed over and before every mark: false once the lease of the last
   * health check lapsed, even if no timer has fired since (a paused
   * process). Undefined: leadership lasts until `signal` aborts.
   */
  holds?(): boolean;
  /** Gives leadership up; idempotent. */
  release(): Promise<void>;
}

/** Elects the one process that relays the ordered feed. */
export interface LeaderElection {
  /**
   * Resolves once this process leads, or with undefined when `signal`
   * aborts first. Standbys keep trying until then.
   */
  acquire(signal: AbortSignal): Promise<Leadership | undefined>;
}

/**
 * The election of a single process: always the leader. The default, and
 * right for PGlite (one process owns the database). With several processes
 * on one PostgreSQL, use `advisoryLockLeader` from `@org/outbox-publisher/pg`.
 *
 * @example
 * createEventPublisher(db, { leader: singleProcessLeader() });
 */
export function singleProcessLeader(): LeaderElection {
  return {
    async acquire(signal) {
      if (signal.aborted) return undefined;
      return { signal: new AbortController().signal, release: async () => {} };
    },
  };
}
