import { SSEError } from "../errors.js";
import type { SSEClient } from "./client.js";

/**
 * The connected clients, with the per-key and per-filter counts that
 * connection limits and stats need, kept up to date on add and remove so
 * neither needs a scan.
 */
export class ClientRegistry {
  readonly clients = new Map<string, SSEClient>();
  #perKey = new Map<string, number>();
  #perFilter = new Map<string, number>();
  #maxClients: number;
  #maxPerKey: number;

  constructor(maxClients: number, maxPerKey: number) {
    this.#maxClients = maxClients;
    this.#maxPerKey = maxPerKey;
  }

  /**
   * Throws `duplicate_client` or `too_many_clients` when `add` would be refused.
   *
   * @example
   * ```ts
   * registry.check("c1", "api-key-1");
   * ```
   */
  check(id: string, key: string | undefined): void {
    if (this.clients.has(id)) throw new SSEError("duplicate_client", `client ${JSON.stringify(id)} is already connected`);
    if (this.clients.size >= this.#maxClients) {
      throw new SSEError("too_many_clients", `maxClients (${this.#maxClients}) reached`);
    }
    if (key !== undefined && (this.#perKey.get(key) ?? 0) >= this.#maxPerKey) {
      throw new SSEError("too_many_clients", `maxClientsPerKey (${this.#maxPerKey}) reached for this key`);
    }
  }

  add(client: SSEClient): void {
    this.clients.set(client.id, client);
    if (client.key !== undefined) bump(this.#perKey, client.key, 1);
    bump(this.#perFilter, client.filter.label, 1);
  }

  /** Removes the client if it is still registered; false when it was not. */
  remove(client: SSEClient): boolean {
    if (this.clients.get(client.id) !== client) return false;
    this.clients.delete(client.id);
    if (client.key !== undefined) bump(this.#perKey, client.key, -1);
    bump(this.#perFilter, client.filter.label, -1);
    return true;
  }

  countsByFilter(): Record<string, number> {
    return Object.fromEntries(this.#perFilter);
  }
}

function bump(counts: Map<string, number>, name: string, delta: number): void {
  const next = (counts.get(name) ?? 0) + delta;
  if (next === 0) counts.delete(name);
  else counts.set(name, next);
}
