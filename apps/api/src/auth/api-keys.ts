import { createHash, randomBytes } from "node:crypto";
import { sql, type Kysely } from "kysely";
import type { Database } from "../db/schema.js";

/** The stored form of a key: its sha256, hex. Keys are random, so no salt or slow hash is needed. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** A new random API key, `sk_` and 32 bytes of base64url. */
export function newApiKey(): string {
  return `sk_${randomBytes(32).toString("base64url")}`;
}

/**
 * Stores keys (hashed: the key itself is never stored) for their tenants,
 * with an optional expiry; a key already stored moves to the given tenant
 * and takes the given expiry.
 */
export async function provisionApiKeys(db: Kysely<Database>, keys: readonly { tenantId: string; key: string; expiresAt?: Date | null }[]): Promise<void> {
  if (keys.length === 0) return;
  await db
    .insertInto("api_keys")
    .values(keys.map(({ tenantId, key, expiresAt }) => ({ key_hash: hashApiKey(key), tenant_id: tenantId, label: `${tenantId} (API_KEYS)`, expires_at: expiresAt ?? null })))
    .onConflict((conflict) => conflict.column("key_hash").doUpdateSet((eb) => ({ tenant_id: eb.ref("excluded.tenant_id"), expires_at: eb.ref("excluded.expires_at") })))
    .execute();
}

/** A stored key as a lookup finds it. */
export interface ApiKeyRecord {
  tenantId: string;
  /** After this instant the key is refused; null: never. */
  expiresAt: Date | null;
}

/**
 * The key's tenant and expiry, or undefined for an unknown or expired key.
 * The lookup compares sha256 digests (an index lookup on the digest), so
 * its timing says nothing about how much of a guessed key was right.
 */
export async function lookupApiKey(db: Kysely<Database>, key: string): Promise<ApiKeyRecord | undefined> {
  const row = await db
    .selectFrom("api_keys")
    .select(["tenant_id", "expires_at"])
    .where("key_hash", "=", hashApiKey(key))
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", sql<Date>`now()`)]))
    .executeTakeFirst();
  return row && { tenantId: row.tenant_id, expiresAt: row.expires_at === null ? null : new Date(row.expires_at) };
}
