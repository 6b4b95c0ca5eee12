import { sql, type Kysely, type RawBuilder } from "kysely";
import type { PreparedEvent } from "./prepare-events.js";

/**
 * The one statement that writes a batch. The table's trigger assigns each
 * row's aggregate version (or checks the one given by expectedVersion).
 * In a batch with idempotency keys, a row that meets an existing one (its
 * key, or its version) is skipped. Returns the ids inserted.
 */
export async function insertEvents(db: Kysely<any>, table: string, events: readonly PreparedEvent[]): Promise<Set<string>> {
  const rows = events.map(
    (e) =>
      sql`(${e.id}, ${e.tenantId}, ${e.aggregateType}, ${e.aggregateId}, ${e.expectedVersion === null ? null : e.expectedVersion + e.step}::integer, ${e.eventType}, ${e.schemaVersion}, ${e.payloadJson}::jsonb, ${e.metadataJson}::jsonb, ${e.idempotencyKey})`,
  );
  const insert = sql`insert into ${sql.table(table)} (id, tenant_id, aggregate_type, aggregate_id, aggregate_version, event_type, schema_version, payload, metadata, idempotency_key) values ${sql.join(rows)}`;
  if (events.every((e) => e.idempotencyKey === null)) {
    await insert.execute(db);
    return new Set(events.map((e) => e.id));
  }
  // No conflict target: every unique index is an arbiter. Two writers racing
  // with one idempotency key may meet first on the version index; there a
  // targeted ON CONFLICT would raise instead of waiting for the other's
  // commit and skipping. The caller tells the two outcomes apart.
  const result = await sql<{ id: string }>`${insert} on conflict do nothing returning id`.execute(db);
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

/**
 * The batch's INSERT as a sub-statement of a caller's WITH, inserted only
 * when `when` holds. The rows pass through a SELECT, so every value is cast
 * to its column's type. There is no ON CONFLICT: a row that fails fails
 * the whole statement, state change included.
 */
export function conditionalInsert(table: string, events: readonly PreparedEvent[], when: RawBuilder<unknown>): RawBuilder<unknown> {
  const rows = events.map(
    (e) =>
      sql`(${e.id}::text, ${e.tenantId}::text, ${e.aggregateType}::text, ${e.aggregateId}::text, ${e.expectedVersion === null ? null : e.expectedVersion + e.step}::integer, ${e.eventType}::text, ${e.schemaVersion}::integer, ${e.payloadJson}::jsonb, ${e.metadataJson}::jsonb, ${e.idempotencyKey}::text)`,
  );
  return sql`insert into ${sql.table(table)} (id, tenant_id, aggregate_type, aggregate_id, aggregate_version, event_type, schema_version, payload, metadata, idempotency_key) select * from (values ${sql.join(rows)}) as batch where ${when}`;
}
