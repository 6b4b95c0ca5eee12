import type { DomainEvent } from "@org/events";
import type { Kysely } from "kysely";
import type { OutboxTables } from "../tables.js";
import { renewLeases } from "./complete-query.js";

export interface LeasesOptions {
  db: Kysely<any>;
  tables: OutboxTables;
  group: string;
  workerId: string;
  leaseMs: number;
  renewalIntervalMs: number;
  /** Claims found taken over by another worker (or gone) while held. */
  onLost: (events: DomainEvent[]) => void;
  /** A renewal that failed; the next tick tries again. */
  onError: (error: unknown) => void;
}

/** One claim as this worker holds it: a new claim of the same event is a new entry. */
interface Held {
  event: DomainEvent;
  /** This process's clock: until then the claim is surely still held (measured from before the claim or renewal was sent). */
  expiresAt: number;
}

/**
 * The claims a worker holds, kept alive while it holds them: every
 * `renewalIntervalMs` one UPDATE extends `locked_until` of all of them
 * (`where locked_by = workerId`), so a live worker never loses a claim to
 * expiry, while a crashed one's claims expire after at most `leaseMs`. A
 * claim the renewal finds taken over (or gone) is dropped and reported
 * through `onLost`; a failed renewal goes to `onError`, and the next tick
 * tries again. A claim not renewed for `leaseMs` (renewals failing, the
 * process paused) no longer counts as held for starting work, though its
 * guarded completion is still tried.
 */
export class Leases {
  readonly #held = new Map<string, Held>();
  readonly #options: LeasesOptions;
  #timer: NodeJS.Timeout | undefined;
  #renewing: Promise<void> | undefined;

  constructor(options: LeasesOptions) {
    this.#options = options;
  }

  /** Starts renewing every `renewalIntervalMs`. */
  start(): void {
    this.#timer ??= setInterval(() => {
      // one renewal at a time: a slow one is not stacked on
      this.#renewing ??= this.renew().finally(() => (this.#renewing = undefined));
    }, this.#options.renewalIntervalMs);
  }

  /** Stops renewing (clears the timer) and waits for a renewal in flight. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#renewing;
  }

  /** Claims just made by this worker, with a claim statement sent at `claimedAt` (`Date.now()`). */
  hold(events: readonly DomainEvent[], claimedAt: number): void {
    const expiresAt = claimedAt + this.#options.leaseMs;
    for (const event of events) this.#held.set(event.id, { event, expiresAt });
  }

  /** Whether this worker surely still holds its claim of `eventId`: not lost, and renewed within `leaseMs`. */
  holds(eventId: string): boolean {
    const held = this.#held.get(eventId);
    return held !== undefined && Date.now() < held.expiresAt;
  }

  /**
   * Takes claims out of renewal to settle them (complete, fail, release);
   * returns the ids among `eventIds` that are still held.
   */
  settle(eventIds: readonly string[]): string[] {
    return eventIds.filter((id) => this.#held.delete(id));
  }

  /** Forgets every claim (the end of a batch). */
  clear(): void {
    this.#held.clear();
  }

  /** Extends every held claim now; reports the ones that were lost. Never rejects. */
  async renew(): Promise<void> {
    const entries = [...this.#held.entries()];
    if (entries.length === 0) return;
    const { db, tables, group, workerId, leaseMs } = this.#options;
    let renewed: Set<string>;
    const sentAt = Date.now();
    try {
      renewed = await renewLeases(db, tables, group, { workerId, leaseMs }, entries.map(([id]) => id));
    } catch (error) {
      this.#options.onError(error);
      return;
    }
    // only claims still held as they were sent: one settled or claimed anew meanwhile is not lost
    for (const [id, held] of entries) if (renewed.has(id)) held.expiresAt = sentAt + leaseMs;
    const lost = entries.filter(([id, held]) => !renewed.has(id) && this.#held.get(id) === held);
    for (const [id] of lost) this.#held.delete(id);
    if (lost.length > 0) this.#options.onLost(lost.map(([, held]) => held.event));
  }
}
