import type { Kysely } from "kysely";
import type { OutboxTables } from "../tables.js";
import { markPublished } from "./mark-published.js";

/**
 * Events relayed but not yet marked published. Marking costs a commit (a
 * WAL flush) per statement; while events trickle in one notification at a
 * time, collecting the marks for a few milliseconds turns hundreds of small
 * commits a second into a few, and leaves the writers' commits alone. A
 * crash loses at most these marks: their events come again.
 */
export class PendingMarks {
  #ids: string[] = [];
  #hadFailures = false;
  #since = 0;

  get size(): number {
    return this.#ids.length;
  }

  /** When the oldest pending mark is due (ms timestamp), or undefined when none. */
  dueAt(delayMs: number): number | undefined {
    return this.#ids.length === 0 ? undefined : this.#since + delayMs;
  }

  add(ids: readonly string[], hadFailures: boolean): void {
    if (ids.length === 0) return;
    if (this.#ids.length === 0) this.#since = Date.now();
    this.#ids.push(...ids);
    this.#hadFailures ||= hadFailures;
  }

  /** Marks everything pending in one statement. On failure the marks stay pending. */
  async flush(db: Kysely<any>, tables: OutboxTables): Promise<void> {
    if (this.#ids.length === 0) return;
    await markPublished(db, tables, this.#ids, this.#hadFailures);
    this.#ids = [];
    this.#hadFailures = false;
  }

  /** Forgets pending marks (leadership lost: the next leader relays them again). */
  clear(): void {
    this.#ids = [];
    this.#hadFailures = false;
  }
}
