import type { SSESink } from "./sink.js";

const ignore = (): void => {};

/**
 * Wraps a WHATWG WritableStream of bytes as an {@link SSESink}: writes wait on
 * `writer.ready` only when the stream's queue is full, and `close()` aborts
 * the stream if the reader has not drained it within `closeTimeoutMs`.
 * `onGone` runs once when the stream errors (its reader cancelled).
 *
 * @example
 * ```ts
 * const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
 * const sink = sinkFromWritableStream(writable, () => broadcaster.removeClient(id), 5000);
 * ```
 */
export function sinkFromWritableStream(
  stream: WritableStream<Uint8Array>,
  onGone: (error: unknown) => void,
  closeTimeoutMs: number,
): SSESink {
  const writer = stream.getWriter();
  let closing: Promise<void> | undefined;
  // Resolves on our own close (nothing to do), rejects when the peer goes away.
  writer.closed.then(ignore, (error: unknown) => {
    if (closing === undefined) onGone(error);
  });
  return {
    write(chunk) {
      const written = writer.write(chunk);
      written.catch(ignore); // failures surface through writer.closed and writer.ready
      const room = writer.desiredSize;
      if (room !== null && room > 0) return;
      return writer.ready;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        // A reader that never reads can keep close() pending forever, and an
        // in-flight write can even hold off abort(): stop waiting either way.
        const timer = setTimeout(() => {
          writer.abort(new Error("SSE stream close timed out")).catch(ignore);
          resolve();
        }, closeTimeoutMs);
        writer.close().then(ignore, ignore).finally(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      return closing;
    },
  };
}
