/**
 * Response headers of an SSE stream. `no-transform` and the identity
 * encoding keep proxies and compression middleware from buffering or
 * compressing it; `X-Accel-Buffering: no` does the same for nginx.
 */
export const SSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-cache, no-transform",
  "X-Accel-Buffering": "no",
  "Content-Encoding": "identity",
});

/** Added on HTTP/1.x only: HTTP/2 forbids connection-specific headers. */
export const HTTP1_HEADERS: Readonly<Record<string, string>> = Object.freeze({ Connection: "keep-alive" });

/** What an adapter needs to connect one request as a client. */
export interface SSEClientInit {
  /** Defaults to a random UUID. */
  clientId?: string | undefined;
  /** Take `tenantId` from the authenticated credential, never from the query string. */
  filter?: import("../filter/filter.js").SSEFilter | undefined;
  /** Groups clients for `maxClientsPerKey`. */
  key?: string | undefined;
  /** Defaults to the request's `Last-Event-ID` header. */
  lastEventId?: string | undefined;
}
