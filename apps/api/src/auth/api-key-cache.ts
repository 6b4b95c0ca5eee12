import { hashApiKey, type ApiKeyRecord } from "./api-keys.js";

/** Options of {@link createApiKeyCache}. */
export interface ApiKeyCacheOptions {
  /**
   * How long a key found in the database is trusted without asking again.
   * This bounds how long a deleted key keeps working on each instance; a
   * key's own expiry is always honoured on time. 0 asks on every request.
   * @default 5000
   */
  ttlMs?: number;
  /**
   * Keys remembered at most; past it the longest-held is forgotten first.
   * @default 10000
   */
  maxEntries?: number;
}

/** {@link ApiKeyCacheOptions} with the defaults merged and checked. */
export interface ResolvedApiKeyCacheOptions {
  ttlMs: number;
  maxEntries: number;
}

/** Merges the defaults once; throws for a negative TTL or a size below 1 (the configuration checks them first). */
export function resolveApiKeyCacheOptions(options: ApiKeyCacheOptions = {}): ResolvedApiKeyCacheOptions {
  const ttlMs = options.ttlMs ?? 5_000;
  const maxEntries = options.maxEntries ?? 10_000;
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 0) throw new Error(`ttlMs must be an integer >= 0 (got ${String(ttlMs)})`);
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new Error(`maxEntries must be an integer >= 1 (got ${String(maxEntries)})`);
  return { ttlMs, maxEntries };
}

/** Finds a key's tenant, asking the database at most once per key and TTL. */
export interface ApiKeyCache {
  /** The key's tenant, or undefined for an unknown, deleted (after the TTL) or expired key. */
  tenantOf(key: string): Promise<string | undefined>;
}

interface Entry {
  tenantId: string;
  /** performance.now() after which the database is asked again. */
  recheckAt: number;
  /** Date.now() from which the key is refused (its own expiry). */
  expiresAt: number;
}

/**
 * Remembers keys found by `lookup` (entries keyed by the key's sha256, so
 * the cache holds no key). Unknown keys are not remembered: each costs a
 * lookup, which the rate limit bounds. Lookups of one key at once share
 * one query.
 */
export function createApiKeyCache(lookup: (key: string) => Promise<ApiKeyRecord | undefined>, options?: ApiKeyCacheOptions): ApiKeyCache {
  const { ttlMs, maxEntries } = resolveApiKeyCacheOptions(options);
  const entries = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<ApiKeyRecord | undefined>>();

  async function fetch(hash: string, key: string): Promise<string | undefined> {
    let pending = inFlight.get(hash);
    if (!pending) {
      pending = lookup(key).finally(() => inFlight.delete(hash));
      inFlight.set(hash, pending);
    }
    const record = await pending;
    if (record === undefined) return undefined;
    if (ttlMs > 0) {
      entries.delete(hash);
      entries.set(hash, { tenantId: record.tenantId, recheckAt: performance.now() + ttlMs, expiresAt: record.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    }
    return record.tenantId;
  }

  return {
    async tenantOf(key) {
      const hash = hashApiKey(key);
      const entry = entries.get(hash);
      if (entry !== undefined) {
        if (Date.now() >= entry.expiresAt) {
          entries.delete(hash);
          return undefined;
        }
        if (performance.now() < entry.recheckAt) return entry.tenantId;
        entries.delete(hash);
      }
      return fetch(hash, key);
    },
  };
}
