/**
 * The transport-neutral end of one SSE connection. The core writes encoded
 * frames here and knows nothing else of the transport; the adapters (Hono,
 * node:http) and {@link sinkFromWritableStream} implement it.
 */
export interface SSESink {
  /**
   * Writes one chunk: one or more whole frames (what a client queued in a
   * tick goes as one chunk, up to 64 KiB). The same chunk may be handed to
   * several clients' sinks: never modify it. Return nothing when the
   * transport can take more, or a promise when it is full: the client writes
   * nothing else until it settles (its later frames wait in its bounded
   * queue). Throwing or rejecting means the connection is gone; the client
   * is then removed.
   */
  write(chunk: Uint8Array): void | Promise<void>;
  /**
   * Ends the stream after what was already written. Must finish in bounded
   * time even when the peer stopped reading (force-close after a timeout).
   */
  close(): void | Promise<void>;
}

/**
 * True when `value` is a WHATWG WritableStream rather than an {@link SSESink}.
 *
 * @example
 * ```ts
 * isWritableStream(new WritableStream()); // true
 * ```
 */
export function isWritableStream(value: unknown): value is WritableStream<Uint8Array> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { getWriter?: unknown }).getWriter === "function" &&
    typeof (value as { write?: unknown }).write !== "function"
  );
}
