import { SseFrameReader } from "./sse-frames.js";

/** A delivered event, as the counting client keeps it. */
export interface Delivered {
  id: string;
  type: string;
  data: Record<string, unknown>;
  /** performance.now() when it arrived. */
  receivedAt: number;
}

/**
 * An SSE client that never gives up: on any end or error it reconnects
 * (after `reconnectDelayMs`) with the last id it received, like a browser's
 * EventSource, and counts what arrived: distinct event ids, duplicates,
 * reconnections, resets and broken frames.
 */
export function countingStream(options: { url: () => string; key: string; path?: string; reconnectDelayMs?: number; lastEventId?: string }) {
  const { key, path = "/api/v1/events/stream", reconnectDelayMs = 250 } = options;
  const seen = new Map<string, Delivered>();
  const reader = new SseFrameReader();
  let lastEventId: string | undefined = options.lastEventId;
  let duplicates = 0;
  let connections = 0;
  let resets = 0;
  let evictions = 0;
  let stopped = false;
  let current: AbortController | undefined;
  const waiters = new Set<() => void>();

  async function connectOnce(): Promise<void> {
    current = new AbortController();
    const headers: Record<string, string> = { Authorization: `Bearer ${key}`, Accept: "text/event-stream" };
    if (lastEventId) headers["Last-Event-ID"] = lastEventId;
    const response = await fetch(`${options.url()}${path}`, { headers, signal: current.signal });
    if (response.status !== 200 || !response.body) {
      await response.body?.cancel();
      return;
    }
    connections += 1;
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      for (const frame of reader.push(decoder.decode(chunk, { stream: true }))) {
        if (frame.comments.some((comment) => /evict|behind|too slow/i.test(comment))) evictions += 1;
        if (frame.event === "reset") resets += 1;
        if (frame.id === undefined || frame.data === undefined || frame.event === undefined) continue;
        lastEventId = frame.id;
        if (seen.has(frame.id)) duplicates += 1;
        else seen.set(frame.id, { id: frame.id, type: frame.event, data: JSON.parse(frame.data) as Record<string, unknown>, receivedAt: performance.now() });
      }
      for (const wake of waiters) wake();
    }
  }

  const running = (async () => {
    while (!stopped) {
      await connectOnce().catch(() => {});
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, reconnectDelayMs));
    }
  })();

  return {
    seen,
    get duplicates() {
      return duplicates;
    },
    get connections() {
      return connections;
    },
    get resets() {
      return resets;
    },
    get evictions() {
      return evictions;
    },
    get broken() {
      return reader.broken;
    },
    /** Resolves when `condition()` holds after a delivery, or false after `limitMs`. */
    until(condition: () => boolean, limitMs: number): Promise<boolean> {
      return new Promise((resolve) => {
        const check = () => {
          if (!condition()) return;
          cleanup();
          resolve(true);
        };
        const timer = setTimeout(() => (cleanup(), resolve(false)), limitMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    /** Drops the current connection (as a network blip would); the client resumes with Last-Event-ID. */
    reconnect() {
      current?.abort();
    },
    async stop() {
      stopped = true;
      current?.abort();
      await running;
    },
  };
}
