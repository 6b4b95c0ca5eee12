import type { Server as HttpServer, ServerResponse } from "node:http";
import type { Http2SecureServer, Http2Server } from "node:http2";

/**
 * Ends an HTTP/1.1 server's kept-alive connections during a shutdown.
 * `server.close()` closes the connections idle at that moment, but a
 * connection busy with a request then (or one that a polling client reuses
 * within the keep-alive timeout) would stay open and hold the shutdown: so
 * from `start()` on, every answer not yet begun says `Connection: close`,
 * and Node closes its connection once it is sent.
 */
export function connectionDraining(server: HttpServer | Http2Server | Http2SecureServer): { start(): void } {
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  const close = (response: ServerResponse) => {
    if (!response.headersSent) response.shouldKeepAlive = false;
  };
  (server as HttpServer).prependListener("request", (_request, response) => {
    if (draining) return close(response);
    inFlight.add(response);
    response.once("close", () => inFlight.delete(response));
  });
  return {
    start() {
      draining = true;
      for (const response of inFlight) close(response);
      inFlight.clear();
    },
  };
}
