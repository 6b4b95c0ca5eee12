import type { SSEClient } from "./client.js";

/**
 * What a client reports back to its broadcaster. One object per broadcaster,
 * shared by every client, so a client carries no closures of its own.
 */
export interface ClientHost {
  /** A chunk of `bytes` holding `events` event frames was handed to the transport. */
  written(bytes: number, events: number): void;
  /** The queue or the held buffer passed its bound: evict the client. */
  overflowed(client: SSEClient): void;
  /** The transport failed (peer gone): remove the client. */
  failed(client: SSEClient, error: unknown): void;
  /** Call `client.flush()` once the current tick is over (frames queued in one tick go out as one chunk). */
  schedule(client: SSEClient): void;
  /**
   * `frames[start..end)` (`bytes` in all) as one chunk. Clients that got the same frames in a tick (the
   * usual case) share one buffer, so coalescing costs one copy per tick, not per client.
   */
  coalesce(frames: readonly Uint8Array[], start: number, end: number, bytes: number): Uint8Array;
}

/** The bounds of one client's queue. */
export interface QueueLimits {
  readonly maxQueueEvents: number;
  readonly maxQueueBytes: number;
}
