/** Latency percentiles in milliseconds. */
export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** How many samples the figures are drawn from. */
  count: number;
}

/**
 * The most recent `capacity` latency samples in a ring buffer; percentiles
 * are computed on demand (nearest rank), so recording costs O(1).
 */
export class LatencyWindow {
  readonly #samples: Float64Array;
  #next = 0;
  #size = 0;

  constructor(capacity = 10_000) {
    this.#samples = new Float64Array(capacity);
  }

  record(ms: number): void {
    this.#samples[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#samples.length;
    this.#size = Math.min(this.#size + 1, this.#samples.length);
  }

  /** Percentiles of the samples held, or null before the first one. */
  summary(): LatencySummary | null {
    if (this.#size === 0) return null;
    const sorted = this.#samples.slice(0, this.#size).sort();
    const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
    return { p50: rank(50), p95: rank(95), p99: rank(99), max: sorted[sorted.length - 1]!, count: this.#size };
  }
}

/** Events per second over the last `seconds` whole seconds, from per-second buckets. */
export class RateWindow {
  readonly #buckets: Float64Array;
  readonly #stamps: Float64Array;

  constructor(readonly seconds = 10) {
    this.#buckets = new Float64Array(seconds);
    this.#stamps = new Float64Array(seconds).fill(-1);
  }

  add(count = 1, now = Date.now()): void {
    const second = Math.floor(now / 1000);
    const slot = second % this.seconds;
    if (this.#stamps[slot] !== second) {
      this.#stamps[slot] = second;
      this.#buckets[slot] = 0;
    }
    this.#buckets[slot]! += count;
  }

  perSecond(now = Date.now()): number {
    const second = Math.floor(now / 1000);
    let total = 0;
    for (let i = 0; i < this.seconds; i++) {
      const stamp = this.#stamps[i]!;
      if (stamp > second - this.seconds && stamp <= second) total += this.#buckets[i]!;
    }
    return total / this.seconds;
  }
}
