import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { SSEBroadcaster } from "../broadcaster.js";
import type { SSESink } from "../client/sink.js";
import { SSEError } from "../errors.js";
import type { BroadcastEvent } from "../filter/filter.js";
import { HTTP1_HEADERS, SSE_HEADERS, type SSEClientInit } from "./headers.js";

const HTTP1_SSE_HEADERS = Object.freeze({ ...SSE_HEADERS, ...HTTP1_HEADERS });

/** Options of {@link attachSSE}. */
export interface AttachSSEOptions extends SSEClientInit {
  /**
   * How long ending the response may wait for a peer that stopped reading
   * before the socket is destroyed.
   * @default 5000
   */
  closeTimeoutMs?: number;
}

/**
 * Serves `req` as an SSE stream of `broadcaster` on a node:http response.
 * Writes honour the socket's backpressure (`write()` false → wait for
 * `drain`); the client is removed when the connection closes. Returns the
 * client id.
 *
 * Throws the broadcaster's `SSEError` (`too_many_clients` → answer 503,
 * `duplicate_client` → 409) before anything is written, so the caller can
 * still send an error response.
 *
 * @example
 * ```ts
 * http.createServer((req, res) => {
 *   const tenantId = authenticate(req); // from the credential, not the URL
 *   attachSSE(broadcaster, req, res, { filter: { tenantId }, key: tenantId });
 * });
 * ```
 */
export function attachSSE<E extends BroadcastEvent>(
  broadcaster: SSEBroadcaster<E>,
  req: IncomingMessage,
  res: ServerResponse,
  options: AttachSSEOptions = {},
): string {
  const clientId = options.clientId ?? randomUUID();
  const header = req.headers["last-event-id"];
  const lastEventId = options.lastEventId ?? (typeof header === "string" ? header : undefined);
  const headers = req.httpVersionMajor === 1 ? HTTP1_SSE_HEADERS : SSE_HEADERS;
  broadcaster.addClient(clientId, nodeResponseSink(res, headers, options.closeTimeoutMs ?? 5000), {
    filter: options.filter,
    key: options.key,
    lastEventId,
  });
  if (res.destroyed) broadcaster.removeClient(clientId);
  else res.once("close", () => broadcaster.removeClient(clientId));
  return clientId;
}

/**
 * An {@link SSESink} over a node:http `ServerResponse`. Headers go out with
 * the first write (so a refused client can still get an error status).
 *
 * @example
 * ```ts
 * broadcaster.addClient(id, nodeResponseSink(res, SSE_HEADERS, 5000));
 * res.once("close", () => broadcaster.removeClient(id));
 * ```
 */
export function nodeResponseSink(res: ServerResponse, headers: Readonly<Record<string, string>>, closeTimeoutMs: number): SSESink {
  return {
    write(chunk) {
      if (res.destroyed || res.writableEnded) throw new SSEError("closed", "SSE response is closed");
      if (!res.headersSent) res.writeHead(200, headers);
      if (res.write(chunk)) return;
      return new Promise<void>((resolve) => {
        const done = (): void => {
          res.off("drain", done);
          res.off("close", done);
          resolve();
        };
        res.on("drain", done);
        res.on("close", done);
      });
    },
    close() {
      if (res.destroyed) return;
      return new Promise<void>((resolve) => {
        // A peer that stopped reading never lets end() finish: destroy it after the timeout.
        const timer = setTimeout(() => res.destroy(), closeTimeoutMs);
        res.once("close", () => {
          clearTimeout(timer);
          resolve();
        });
        if (!res.headersSent) res.writeHead(200, headers);
        res.end();
      });
    },
  };
}

export { SSE_HEADERS } from "./headers.js";
export type { SSEClientInit } from "./headers.js";
