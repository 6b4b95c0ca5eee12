import type { EventsDatabase, Executor } from "@org/events";
import { createEventStore, type Checkpoint, type DomainEvent } from "@org/events";
import { sql, type Kysely } from "kysely";
import { OutboxError } from "../errors.js";
import { replayEvents, resolveReplayOptions, type ReplayOptions } from "../replay.js";
import { checkGroupName, FEED_GROUP } from "../tables.js";

/** Options of {@link replayIntoGroup}: the range and filters of {@link ReplayOptions}, and the group. */
export interface ReplayIntoGroupOptions<T extends string = string> extends ReplayOptions<T> {
  /** The worker group to hand the range to again (it must exist). */
  group: string;
  /** A further filter, in the process, on what the range and filters passed. @default every event */
  accept?: (event: DomainEvent) => boolean;
}

const before = (a: Checkpoint, b: Checkpoint) => BigInt(a.transactionId) < BigInt(b.transactionId) || (a.transactionId === b.transactionId && a.position < b.position);

/**
 * Queues a filtered range of the log (the filters and range of
 * {@link replayEvents}) into one worker group's queue again, so the group's
 * workers handle those events once more with its retries, dead letters and
 * per-aggregate order, and no other group sees anything. The range ends at
 * the group's checkpoint at most: what lies beyond it the group has not had
 * yet and will get anyway. An event already queued in the group (pending,
 * backing off or dead) stays as it is. Returns how many events it queued.
 * Throws `not_found` for an unknown group or event id, `invalid_options`
 * for bad options or the feed's group.
 *
 * @example
 * const queued = await replayIntoGroup(db, { group: "webhook:whk_01J…", tenantId: "acme", from: new Date("2025-01-01") });
 */
export async function replayIntoGroup<DB extends EventsDatabase<T>, T extends string = "domain_events">(database: Executor<DB>, options: ReplayIntoGroupOptions<T>): Promise<number> {
  const db: Kysely<any> = database;
  const { group: rawGroup, accept, ...replay } = options;
  const group = checkGroupName(rawGroup);
  if (group === FEED_GROUP) throw new OutboxError("invalid_options", `the feed ("${FEED_GROUP}") cannot be replayed into; use replayEvents`);
  if (accept !== undefined && typeof accept !== "function") throw new OutboxError("invalid_options", "accept must be a function");
  const { pageSize, tables } = resolveReplayOptions(replay);
  const { rows } = await sql<{ transaction_id: string; position: string | number }>`
    select transaction_id::text, position from ${sql.table(tables.groups)} where group_name = ${group}`.execute(db);
  if (!rows[0]) throw new OutboxError("not_found", `no worker group ${group}`);
  const reached: Checkpoint = { transactionId: rows[0].transaction_id, position: Number(rows[0].position) };
  let until: Checkpoint | undefined = reached;
  if (replay.until !== undefined) {
    const requested = typeof replay.until === "string" ? await createEventStore(db, { tableName: tables.events }).getCheckpoint(replay.until) : replay.until;
    if (!requested) throw new OutboxError("not_found", `until: no event ${String(replay.until)}`);
    if (before(requested, reached)) until = requested;
  }
  if (until.transactionId === "0" && until.position === 0) return 0; // the group has not passed any event yet

  let ids: string[] = [];
  let queued = 0;
  const flush = async () => {
    if (ids.length === 0) return;
    // touching the group row tells a concurrent fill that its snapshot missed these rows (it then claims nothing new)
    const inserted = await sql`
      with touched as (update ${sql.table(tables.groups)} set updated_at = now() where group_name = ${group})
      insert into ${sql.table(tables.deliveries)} (group_name, event_id, tenant_id, aggregate_type, aggregate_id, transaction_id, position, event_created_at)
      select ${group}, id, tenant_id, aggregate_type, aggregate_id, transaction_id, position, created_at
      from ${sql.table(tables.events)} where id = any(${ids}::text[])
      on conflict do nothing returning event_id`.execute(db);
    queued += inserted.rows.length;
    ids = [];
  };
  await replayEvents(db, { ...replay, until }, async (event) => {
    if (accept && !accept(event)) return;
    ids.push(event.id);
    if (ids.length >= pageSize) await flush();
  });
  await flush();
  return queued;
}
