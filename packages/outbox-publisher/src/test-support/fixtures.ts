import { createEventWriter, defineEventCatalog, migrate as migrateEvents, type DomainEvent } from "@org/events";
import { sql, type Kysely } from "kysely";
import { z } from "zod";
import { migrate } from "../migrations.js";

/** The catalog of the tests: one event type family with a counter. */
export const testCatalog = defineEventCatalog({
  "test.happened": z.object({ n: z.number().int() }),
  "test.other": z.object({ n: z.number().int() }),
  "poison.pill": z.object({ n: z.number().int() }),
});

export const writer = createEventWriter({ catalog: testCatalog });

/** Creates the events table and the outbox tables. */
export async function setUpOutbox(db: Kysely<any>): Promise<void> {
  await migrateEvents(db);
  await migrate(db);
}

/** Empties every table between tests of one file. */
export async function resetOutbox(db: Kysely<any>): Promise<void> {
  await sql`truncate domain_events, domain_events_streams, domain_events_deliveries, domain_events_groups`.execute(db);
}

/**
 * Writes `count` events in one transaction, spread round-robin over
 * `aggregates` aggregates; returns their ids in write order.
 */
export async function writeEvents(
  db: Kysely<any>,
  count: number,
  { aggregates = 1, prefix = "agg", eventType = "test.happened" as "test.happened" | "test.other" | "poison.pill", tenantId }: {
    aggregates?: number;
    prefix?: string;
    eventType?: "test.happened" | "test.other" | "poison.pill";
    tenantId?: string;
  } = {},
): Promise<string[]> {
  const events = Array.from({ length: count }, (_, n) => ({
    aggregateType: "thing",
    aggregateId: `${prefix}_${n % aggregates}`,
    eventType,
    payload: { n },
    ...(tenantId ? { tenantId } : {}),
  }));
  const ids: string[] = [];
  for (let i = 0; i < events.length; i += 1000) {
    ids.push(...(await db.transaction().execute((tx) => writer.recordEvents(tx, events.slice(i, i + 1000)))));
  }
  return ids;
}

/** Resolves once `predicate` holds, checking every 10 ms; rejects after `timeoutMs`. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Ids of events in the store's replay order. */
export async function replayOrder(db: Kysely<any>): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`select id from domain_events order by transaction_id, position`.execute(db);
  return rows.map((row) => row.id);
}

/** How many events are still unpublished. */
export async function unpublishedCount(db: Kysely<any>): Promise<number> {
  const { rows } = await sql<{ n: string | number }>`select count(*) as n from domain_events where published_at is null`.execute(db);
  return Number(rows[0]!.n);
}

/** Delivery rows still waiting in worker groups (pending or dead). */
export async function queuedDeliveries(db: Kysely<any>): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*) as n from domain_events_deliveries`.execute(db);
  return Number(rows[0]!.n);
}

export type { DomainEvent };
