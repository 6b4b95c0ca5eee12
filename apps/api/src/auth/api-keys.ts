import { createHash, randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";

/** The stored form of a key: its sha256, hex. Keys are random, so no salt or slow hash is needed. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** A new random API key, `sk_` and 32 bytes of base64url. */
export function newApiKey(): string {
  return `sk_${randomBytes(32).toString("base64url")}`;
}

/** Stores keys (hashed) for their tenants; a key already stored moves to the given tenant. */
export async function provisionApiKeys(db: Kysely<Database>, keys: readonly { tenantId: string; key: string }[]): Promise<void> {
  if (keys.length === 0) return;
  await db
    .insertInto("api_keys")
    .values(keys.map(({ tenantId, key }) => ({ key_hash: hashApiKey(key), tenant_id: tenantId, label: `${tenantId} (API_KEYS)` })))
    .onConflict((conflict) => conflict.column("key_hash").doUpdateSet((eb) => ({ tenant_id: eb.ref("excluded.tenant_id") })))
    .execute();
}

/** The tenant a key belongs to, or undefined for an unknown key. */
export async function tenantOfApiKey(db: Kysely<Database>, key: string): Promise<string | undefined> {
  const row = await db.selectFrom("api_keys").select("tenant_id").where("key_hash", "=", hashApiKey(key)).executeTakeFirst();
  return row?.tenant_id;
}
