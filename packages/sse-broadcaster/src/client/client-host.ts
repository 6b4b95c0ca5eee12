import type { SSEClient } from "./client.js";

/**
 * What a client reports back to its broadcaster. One object per broadcaster,
 * shared by every client, so a client carries no closures of its own.
 */
export interface ClientHost {
  /** A chunk was handed to the transport. */
  written(chunk: Uint8Array): void;
  /** The queue or the held buffer passed its bound: evict the client. */
  overflowed(client: SSEClient): void;
  /** The transport failed (peer gone): remove the client. */
  failed(client: SSEClient, error: unknown): void;
}

/** The bounds of one client's queue. */
export interface QueueLimits {
  readonly maxQueueEvents: number;
  readonly maxQueueBytes: number;
}
