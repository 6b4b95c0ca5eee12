/** What one write ended as. */
export interface WriteOutcome {
  status: number | "network_error" | "timeout" | "skipped_in_flight_cap";
  ms: number;
  retryAfter: string | null;
}

/**
 * Writes settlements at a steady rate (open loop: one request every
 * 1000/rate ms whether or not the previous ones answered, at most
 * `maxInFlight` outstanding) and keeps every outcome. `acknowledged` holds
 * the settlement ids that got a 2xx: each must reach the stream.
 */
export function steadyWriter(options: {
  url: () => string;
  key: string;
  ratePerSecond: number;
  total: number;
  requestTimeoutMs?: number;
  maxInFlight?: number;
  /** A second request on each acknowledged settlement (e.g. one that makes a large event). */
  followUp?: (id: string) => Promise<void>;
  /** Keep sending (up to `total`) until this many writes were acknowledged. @default total */
  untilAcknowledged?: number;
}) {
  const { key, ratePerSecond, total, requestTimeoutMs = 15_000, maxInFlight = 512 } = options;
  const acknowledged = new Set<string>();
  /** performance.now() when each acknowledged write was answered. */
  const acknowledgedAt = new Map<string, number>();
  const outcomes: WriteOutcome[] = [];
  let inFlight = 0;
  let sent = 0;
  let stopped = false;

  async function writeOne(n: number): Promise<void> {
    const started = performance.now();
    inFlight += 1;
    try {
      const response = await fetch(`${options.url()}/api/v1/settlements`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", "Idempotency-Key": `w-${n}-${started}` },
        body: JSON.stringify({ amount: `${n}.00`, currency: "USD" }),
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
      const text = await response.text();
      if (response.status >= 200 && response.status < 300) {
        const { id } = JSON.parse(text) as { id: string };
        acknowledged.add(id);
        acknowledgedAt.set(id, performance.now());
        await options.followUp?.(id);
      }
      outcomes.push({ status: response.status, ms: performance.now() - started, retryAfter: response.headers.get("retry-after") });
    } catch (error) {
      if (process.env.CHAOS_DEBUG) console.error("write failed:", error);
      const timeout = (error as Error).name === "TimeoutError";
      outcomes.push({ status: timeout ? "timeout" : "network_error", ms: performance.now() - started, retryAfter: null });
    } finally {
      inFlight -= 1;
    }
  }

  const pending = new Set<Promise<void>>();
  const done = (async () => {
    const interval = 1000 / ratePerSecond;
    const start = performance.now();
    const target = options.untilAcknowledged ?? total;
    while (!stopped && sent < total && acknowledged.size < target) {
      if (acknowledged.size + inFlight >= target) {
        // Enough in flight to reach the target if they all succeed: wait to see.
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      const due = start + sent * interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (inFlight >= maxInFlight) {
        outcomes.push({ status: "skipped_in_flight_cap", ms: 0, retryAfter: null });
        sent += 1;
        continue;
      }
      const write = writeOne(sent);
      pending.add(write);
      void write.finally(() => pending.delete(write));
      sent += 1;
    }
    await Promise.all(pending);
  })();

  return {
    acknowledged,
    acknowledgedAt,
    outcomes,
    get sent() {
      return sent;
    },
    /** Resolves once every write was sent and answered. */
    done,
    stop() {
      stopped = true;
      return done;
    },
  };
}

/** Counts outcomes by status, e.g. `{ "201": 950, "503": 50 }`. */
export function statusCounts(outcomes: readonly WriteOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { status } of outcomes) counts[String(status)] = (counts[String(status)] ?? 0) + 1;
  return counts;
}
