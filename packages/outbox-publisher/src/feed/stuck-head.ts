import type { DomainEvent } from "@org/events";
import type { MetricsRecorder } from "../stats/metrics.js";
import { FEED_GROUP } from "../tables.js";

/** The ordered feed's head while its hand-over keeps failing. */
export interface StuckHead {
  eventId: string;
  eventType: string;
  /** Failed attempts so far (across leaders: stored with the event's delivery row). */
  attempts: number;
  /** Since when this process has seen it fail. */
  since: Date;
  /** How long it has been stuck, at the time of reading. */
  stuckForMs: number;
  lastError: string;
}

/**
 * Tracks the head of the feed while it fails: each failure emits a
 * `head_stuck` metric and a log line naming the event and how long it has
 * been stuck; a delivery of it (or the loss of leadership) clears it.
 */
export class StuckHeadTracker {
  #head: Omit<StuckHead, "stuckForMs"> | undefined;
  readonly #metrics: MetricsRecorder;
  readonly #log: (line: string) => void;

  constructor(metrics: MetricsRecorder, log: (line: string) => void) {
    this.#metrics = metrics;
    this.#log = log;
  }

  failed(event: DomainEvent, attempts: number, error: string, retryInMs: number | undefined): void {
    if (this.#head?.eventId !== event.id) this.#head = { eventId: event.id, eventType: event.eventType, attempts, since: new Date(), lastError: error };
    Object.assign(this.#head, { attempts, lastError: error });
    const stuckForMs = Date.now() - this.#head.since.getTime();
    this.#metrics.emit({ type: "head_stuck", source: FEED_GROUP, eventId: event.id, eventType: event.eventType, attempts, stuckForMs, error });
    const next = retryInMs === undefined ? "skipped (dead-lettered, as retry.maxAttempts asks)" : `next attempt in ${retryInMs} ms`;
    try {
      this.#log(`outbox-publisher: the ordered feed's head ${event.id} (${event.eventType}) stuck for ${(stuckForMs / 1000).toFixed(1)} s after ${attempts} failed attempt(s): ${error}; ${next}`);
    } catch {
      // a broken logger must not break delivery
    }
  }

  delivered(eventId: string): void {
    if (this.#head?.eventId === eventId) this.#head = undefined;
  }

  clear(): void {
    this.#head = undefined;
  }

  snapshot(): StuckHead | null {
    return this.#head ? { ...this.#head, stuckForMs: Date.now() - this.#head.since.getTime() } : null;
  }
}
