import { sql, type RawBuilder } from "kysely";

/**
 * SQL for the commit-safe horizon of the current database, an xid8: every
 * transaction below it has ended, so no event with a lower
 * `(transaction_id, position)` can still appear. Read only rows with
 * `transaction_id < horizon`, in `(transaction_id, position)` order, and a
 * checkpoint handed out is never overtaken by a late commit.
 *
 * The horizon is the oldest transaction still running in the statement's
 * snapshot, leaving out those that pg_stat_activity shows in another
 * database (they cannot write here), so a long transaction elsewhere on the
 * server does not hold this database's readers back. Anything it cannot
 * place (a prepared transaction, a role without pg_read_all_stats seeing
 * other users' sessions) counts as running here: slower, never unsafe.
 *
 * @example
 * db.selectFrom("domain_events").selectAll().where(sql`transaction_id < ${commitSafeHorizon()}`)
 */
export function commitSafeHorizon(): RawBuilder<string> {
  return sql<string>`(
    select coalesce(min(running.xid), pg_snapshot_xmax(pg_current_snapshot()))
    from pg_snapshot_xip(pg_current_snapshot()) as running(xid)
    where not exists (
      select 1 from pg_stat_get_activity(null) elsewhere
      where elsewhere.backend_xid = running.xid::xid
        and elsewhere.datid <> (select oid from pg_database where datname = current_database())
    )
  )`;
}
