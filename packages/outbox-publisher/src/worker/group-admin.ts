import type { EventsDatabase, Executor } from "@org/events";
import { sql, type Kysely } from "kysely";
import { OutboxError } from "../errors.js";
import { checkGroupName, FEED_GROUP, resolveTables, type OutboxTableOptions } from "../tables.js";
import { registerGroup } from "./fill-query.js";

/** Options of {@link registerWorkerGroup} and {@link dropWorkerGroup}. */
export interface WorkerGroupOptions<T extends string = string> extends OutboxTableOptions<T> {
  group: string;
  /**
   * Where a new group starts (ignored when it exists).
   * @default "now"
   */
  startFrom?: "beginning" | "now";
}

function checkedGroup(group: unknown): string {
  const name = checkGroupName(group);
  if (name === FEED_GROUP) throw new OutboxError("invalid_options", `group "${FEED_GROUP}" is reserved for the ordered feed`);
  return name;
}

/**
 * Creates a worker group's checkpoint now, inside the caller's transaction
 * if given one, so the group gets every event committed after it even if
 * its workers start later (a worker does the same on start when the group
 * does not exist yet). Does nothing when the group exists.
 *
 * @example
 * await db.transaction().execute(async (trx) => {
 *   await trx.insertInto("webhook_endpoints").values(endpoint).execute();
 *   await registerWorkerGroup(trx, { group: `webhook:${endpoint.id}` });
 * });
 */
export async function registerWorkerGroup<DB extends EventsDatabase<T>, T extends string = "domain_events">(database: Executor<DB>, options: WorkerGroupOptions<T>): Promise<void> {
  const startFrom = options.startFrom ?? "now";
  if (startFrom !== "beginning" && startFrom !== "now") throw new OutboxError("invalid_options", 'startFrom must be "beginning" or "now"');
  await registerGroup(database as Kysely<any>, resolveTables(options), checkedGroup(options.group), startFrom);
}

/**
 * Removes a worker group for good: its checkpoint and every delivery row
 * (pending, retrying or dead). Stop its workers first; a group left behind
 * would hold back retention forever, since retention keeps what any group
 * has not passed. Returns how many delivery rows it removed.
 */
export async function dropWorkerGroup<DB extends EventsDatabase<T>, T extends string = "domain_events">(database: Executor<DB>, options: Omit<WorkerGroupOptions<T>, "startFrom">): Promise<number> {
  const db = database as Kysely<any>;
  const tables = resolveTables(options);
  const group = checkedGroup(options.group);
  const { rows } = await sql<{ count: string }>`
    with gone_group as (delete from ${sql.table(tables.groups)} where group_name = ${group}),
      gone as (delete from ${sql.table(tables.deliveries)} where group_name = ${group} returning 1)
    select count(*)::text as count from gone`.execute(db);
  return Number(rows[0]?.count ?? 0);
}
