import { sql, type Kysely } from "kysely";
import { singleProcessLeader, type LeaderElection } from "./leader.js";
import { poolLockLeader } from "./pool-lock-leader.js";

/**
 * The election `createEventPublisher` uses when given none: on PostgreSQL,
 * {@link poolLockLeader} on the caller's pool (one process relays, the others
 * stand by); on PGlite, where one process owns the database and its one
 * connection must not be held, {@link singleProcessLeader}. Which one is
 * decided by `select version()` at the first election.
 */
export function defaultLeader<DB>(database: Kysely<DB>): LeaderElection {
  const db: Kysely<any> = database;
  let chosen: Promise<LeaderElection> | undefined;
  return {
    async acquire(signal) {
      chosen ??= sql<{ version: string }>`select version() as version`
        .execute(db)
        .then(({ rows }) => (/PGlite/i.test(rows[0]?.version ?? "") ? singleProcessLeader() : poolLockLeader(db)));
      const election = await chosen.catch((error: unknown) => {
        chosen = undefined; // no database yet: decide at the next try
        throw error;
      });
      return election.acquire(signal);
    },
  };
}
