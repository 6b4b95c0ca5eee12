import type { Context } from "hono";
import type { SSEBroadcaster } from "../broadcaster.js";
import { SSEError } from "../errors.js";
import type { BroadcastEvent } from "../filter/filter.js";
import { HTTP1_HEADERS, SSE_HEADERS, type SSEClientInit } from "./headers.js";
import { readableStreamSink } from "./readable-stream-sink.js";

/** Options of {@link sseHandler}. */
export interface SSEHandlerOptions {
  /**
   * Bytes the response stream buffers before writes wait for the reader.
   * @default 65536
   */
  highWaterMark?: number;
  /**
   * How long ending a stream may wait for a peer that stopped reading before
   * the connection is destroyed.
   * @default 5000
   */
  closeTimeoutMs?: number;
}

/**
 * Merges the defaults of {@link SSEHandlerOptions} once and throws
 * `SSEError("invalid_options")` for values out of range.
 */
export function resolveSSEHandlerOptions(options: SSEHandlerOptions = {}): Required<SSEHandlerOptions> {
  const highWaterMark = options.highWaterMark ?? 65_536;
  const closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
  if (!Number.isSafeInteger(highWaterMark) || highWaterMark < 1) {
    throw new SSEError("invalid_options", `highWaterMark must be a positive integer, got ${String(highWaterMark)}`);
  }
  if (!Number.isSafeInteger(closeTimeoutMs) || closeTimeoutMs < 0) {
    throw new SSEError("invalid_options", `closeTimeoutMs must be a non-negative integer, got ${String(closeTimeoutMs)}`);
  }
  return { highWaterMark, closeTimeoutMs };
}

/** Resolves a request to its client options; runs after your auth middleware. */
export type SSEClientResolver<C extends Context = Context> = (c: C) => SSEClientInit | Promise<SSEClientInit>;

/**
 * A Hono handler that serves the request as an SSE stream of `broadcaster`.
 * The body is the handler's own byte ReadableStream (not `streamSSE`): every
 * write respects the reader's backpressure and the client is removed when
 * the peer disconnects (stream cancel or request abort).
 *
 * Errors: the broadcaster's `SSEError` (`too_many_clients`,
 * `duplicate_client`, `invalid_filter`) is thrown before a response exists,
 * so your `app.onError` maps it (503, 409, 400).
 *
 * @example
 * ```ts
 * app.get("/api/v1/events/stream", auth(), sseHandler(broadcaster, (c) => ({
 *   filter: { tenantId: c.get("tenantId"), types: c.req.queries("type") },
 *   key: c.get("apiKeyId"),
 * })));
 * ```
 */
export function sseHandler<E extends BroadcastEvent, C extends Context = Context>(
  broadcaster: SSEBroadcaster<E>,
  resolve?: SSEClientResolver<C>,
  options: SSEHandlerOptions = {},
): (c: C) => Promise<Response> {
  const { highWaterMark, closeTimeoutMs } = resolveSSEHandlerOptions(options);
  const headers = { ...SSE_HEADERS, ...HTTP1_HEADERS };
  return async function sse(c) {
    const init = (await resolve?.(c)) ?? {};
    const clientId = init.clientId ?? crypto.randomUUID();
    const lastEventId = init.lastEventId ?? c.req.header("Last-Event-ID");
    // @hono/node-server passes the node:http response as c.env.outgoing: the only way to cut off a stuck peer.
    const outgoing = (c.env as { outgoing?: NodeOutgoing } | undefined)?.outgoing;
    const { sink, body } = readableStreamSink({
      highWaterMark,
      closeTimeoutMs,
      onCancel: () => broadcaster.removeClient(clientId),
      forceClose: outgoing ? () => outgoing.destroy() : undefined,
      closed: outgoing ? new Promise((done) => outgoing.once("close", () => done())) : undefined,
    });
    broadcaster.addClient(clientId, sink, { filter: init.filter, key: init.key, lastEventId });
    c.req.raw.signal.addEventListener("abort", () => broadcaster.removeClient(clientId), { once: true });
    return new Response(body, { status: 200, headers });
  };
}

interface NodeOutgoing {
  destroy(): void;
  once(event: "close", listener: () => void): unknown;
}

export { SSE_HEADERS } from "./headers.js";
export type { SSEClientInit } from "./headers.js";
