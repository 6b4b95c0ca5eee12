import { commitSafeHorizon, toDomainEvent, typePatternParts, type EventRow } from "@org/events";
import { sql, type Kysely } from "kysely";
import { fillFunction } from "../sql-functions/fill-function.js";
import type { OutboxTables } from "../tables.js";
import type { Claimed } from "./claim-query.js";

/**
 * Registers a group at the start of the log (or at its current end) unless
 * it exists.
 */
export async function registerGroup(db: Kysely<any>, tables: OutboxTables, group: string, startFrom: "beginning" | "now"): Promise<void> {
  const start =
    startFrom === "beginning"
      ? sql`select ${group}, '0'::xid8, 0::bigint`
      : sql`select ${group}, coalesce(max(transaction_id), '0'::xid8), coalesce(max(position), 0) from (
          select transaction_id, position from ${sql.table(tables.events)}
          where transaction_id < ${commitSafeHorizon()}
          order by transaction_id desc, position desc limit 1) last`;
  await sql`insert into ${sql.table(tables.groups)} (group_name, transaction_id, position) ${start} on conflict do nothing`.execute(db);
}

/** What a fill did: how many events the checkpoint passed, the new deliveries it claimed at once, and whether the queue holds rows a claim may take. */
export interface FillResult {
  scanned: number;
  claimed: Claimed[];
  /** Rows pending and due (not claimed) were queued before, or queued now without a claim: the regular claim has work. */
  queueHasDue: boolean;
  /** Of the deliveries given to complete, those deleted (the others' claims were lost). */
  completed: Set<string>;
}

/**
 * Moves up to `limit` events past the group's checkpoint into its delivery
 * rows, in commit-safe order, and advances the checkpoint: one statement,
 * so a crash leaves both or neither. Only one process fills a group at a
 * time (the others skip the locked group row). `scanned` counts every event
 * the checkpoint passed, matching the filter or not: the types as
 * `typePatternParts` split them (all when null or absent) and the tenant.
 *
 * `complete` lists deliveries the worker (`claim.workerId`) handled: they
 * are deleted first, in the same call, so a round costs one statement.
 *
 * With `claim`, the same statement also claims up to `claim.limit` of the
 * new deliveries for the worker, which a separate claim would cost one more
 * round trip: those of aggregates with no delivery row queued, which are
 * heads (or follow their aggregate's new head in this batch). It does so
 * only when the filler's snapshot saw every queued row: when no other fill
 * or replay changed the group row between the statement's snapshot and
 * its lock. Otherwise it only queues, and the regular claim takes them in
 * order. The statement is the outbox's fill function (migration 0004),
 * whose plan PostgreSQL caches; like the other bookkeeping statements it
 * commits without waiting for the WAL flush (see asyncCommit).
 */
export async function fillDeliveries(
  db: Kysely<any>,
  tables: OutboxTables,
  group: string,
  limit: number,
  filter: { types?: ReturnType<typeof typePatternParts>; tenantId?: string | undefined },
  claim?: { limit: number; leaseMs: number; workerId: string },
  complete: readonly string[] = [],
): Promise<FillResult> {
  const types = filter.types;
  const { rows } = await sql<{ out_scanned: string | number; out_queue_has_due: boolean; out_claimed: EventRow[]; out_done: string[] }>`
    select * from ${fillFunction(tables)}(${group}, ${limit}::integer, ${types?.exact ?? null}::text[], ${types?.prefixes ?? null}::text[], ${filter.tenantId ?? null}::text,
      ${claim?.limit ?? 0}::integer, ${claim?.leaseMs ?? 0}::integer, ${claim?.workerId ?? null}::text, ${[...complete]}::text[])`.execute(db);
  const row = rows[0];
  return {
    scanned: Number(row?.out_scanned ?? 0),
    claimed: (row?.out_claimed ?? []).map((event) => ({ event: toDomainEvent(event), attempts: 0 })),
    queueHasDue: row?.out_queue_has_due ?? true,
    completed: new Set(row?.out_done ?? []),
  };
}
