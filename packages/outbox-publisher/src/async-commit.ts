import { sql, type RawBuilder, type SqlBool } from "kysely";

/**
 * A condition to add to the top-level WHERE of a statement of the outbox's
 * own bookkeeping (marks, completions, the wake-up NOTIFY; the fill and
 * claim functions set the same inside): it turns off
 * `synchronous_commit` for that statement's transaction, so its commit
 * does not wait for the WAL flush (about 0.3 ms here, and one more flush
 * competing with the writers'). A one-time filter, evaluated once before
 * any row. Safe because losing such a commit to a database crash only
 * hands events over again, which at-least-once delivery allows; the
 * events themselves are committed by the writers, synchronously.
 */
export const asyncCommit = (): RawBuilder<SqlBool> => sql<SqlBool>`(select set_config('synchronous_commit', 'off', true)) is not null`;
