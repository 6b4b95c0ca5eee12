import { SSEError } from "../errors.js";
import type { SSESink } from "../client/sink.js";

/** Options of {@link readableStreamSink}. */
export interface ReadableStreamSinkOptions {
  /** Bytes buffered in the stream before writes wait for the reader. */
  highWaterMark: number;
  /** How long `close()` waits for the reader before forcing. */
  closeTimeoutMs: number;
  /** The reader cancelled (peer gone). */
  onCancel(): void;
  /** Cuts the connection when the reader does not finish in time. */
  forceClose?: (() => void) | undefined;
  /** Settles when the connection is really closed, if the runtime can tell. */
  closed?: Promise<void> | undefined;
}

/**
 * A byte ReadableStream to use as a Response body, fed through an
 * {@link SSESink}: `write` enqueues and, once the stream holds
 * `highWaterMark` bytes, returns a promise that settles on the reader's next
 * pull. That is the backpressure Hono's `streamSSE` lacks unless every write
 * is awaited.
 *
 * @example
 * ```ts
 * const { sink, body } = readableStreamSink({ highWaterMark: 65536, closeTimeoutMs: 5000, onCancel: () => remove(id) });
 * broadcaster.addClient(id, sink);
 * return new Response(body, { headers: SSE_HEADERS });
 * ```
 */
export function readableStreamSink(options: ReadableStreamSinkOptions): { sink: SSESink; body: ReadableStream<Uint8Array> } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let wake: (() => void) | undefined;
  let ended = false;
  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        wake?.();
        wake = undefined;
      },
      cancel() {
        ended = true;
        wake?.();
        options.onCancel();
      },
    },
    { highWaterMark: options.highWaterMark, size: (chunk) => chunk.byteLength },
  );
  const sink: SSESink = {
    write(chunk) {
      if (ended) throw new SSEError("closed", "SSE stream is closed");
      controller.enqueue(chunk);
      if ((controller.desiredSize ?? 0) > 0) return;
      return new Promise<void>((resolve) => (wake = resolve));
    },
    close() {
      if (ended) return;
      ended = true;
      wake?.();
      controller.close();
      const closed = options.closed;
      // Without a way to observe the connection there is nothing to wait for.
      if (closed === undefined) return;
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          options.forceClose?.();
          resolve();
        }, options.closeTimeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          resolve();
        };
        closed.then(done, done);
      });
    },
  };
  return { sink, body };
}
