import { sql, type Kysely } from "kysely";
import type { PreparedEvent } from "./prepare-events.js";

/**
 * The one statement that writes a batch: each row's version is the
 * aggregate's current version plus its step in the batch; a row whose
 * expectedVersion is stale is filtered out, and a row whose idempotency key
 * exists is skipped. Returns the ids actually inserted.
 */
export async function insertEvents(db: Kysely<any>, table: string, events: readonly PreparedEvent[]): Promise<Set<string>> {
  const rows = events.map(
    (e, ord) =>
      sql`(${ord}::int, ${e.id}::text, ${e.tenantId}::text, ${e.aggregateType}::text, ${e.aggregateId}::text, ${e.expectedVersion}::int, ${e.step}::int, ${e.eventType}::text, ${e.schemaVersion}::int, ${e.payloadJson}::jsonb, ${e.metadataJson}::jsonb, ${e.idempotencyKey}::text)`,
  );
  const t = sql.table(table);
  const result = await sql<{ id: string }>`
    insert into ${t} (id, tenant_id, aggregate_type, aggregate_id, aggregate_version, event_type, schema_version, payload, metadata, idempotency_key)
    select v.id, v.tenant_id, v.aggregate_type, v.aggregate_id, c.current_version + v.step, v.event_type, v.schema_version, v.payload, v.metadata, v.idempotency_key
    from (values ${sql.join(rows)}) as v(ord, id, tenant_id, aggregate_type, aggregate_id, expected_version, step, event_type, schema_version, payload, metadata, idempotency_key)
    cross join lateral (
      select coalesce(max(e.aggregate_version), 0) as current_version
      from ${t} e where e.aggregate_type = v.aggregate_type and e.aggregate_id = v.aggregate_id
    ) c
    where v.expected_version is null or v.expected_version = c.current_version
    order by v.ord
    on conflict (tenant_id, idempotency_key) where idempotency_key is not null do nothing
    returning id`.execute(db);
  return new Set(result.rows.map((row) => row.id));
}

/** The ids already written under the given (tenant, idempotency key) pairs. */
export async function findByIdempotencyKeys(
  db: Kysely<any>,
  table: string,
  keys: readonly { tenantId: string; idempotencyKey: string }[],
): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const pairs = keys.map((k) => sql`(${k.tenantId}::text, ${k.idempotencyKey}::text)`);
  const result = await sql<{ id: string; tenant_id: string; idempotency_key: string }>`
    select id, tenant_id, idempotency_key from ${sql.table(table)}
    where (tenant_id, idempotency_key) in (${sql.join(pairs)})`.execute(db);
  return new Map(result.rows.map((row) => [idempotencyLookupKey(row.tenant_id, row.idempotency_key), row.id]));
}

/** The lookup key of a (tenant, idempotency key) pair. */
export function idempotencyLookupKey(tenantId: string, idempotencyKey: string): string {
  return `${tenantId}\u0000${idempotencyKey}`;
}
