import { EventSource } from "eventsource";
import { attachSSE, type AttachSSEOptions } from "../adapters/node.js";
import { createSSEBroadcaster, type SSEBroadcaster } from "../broadcaster.js";
import { isSSEError, type SSEError } from "../errors.js";
import type { BroadcastEvent } from "../filter/filter.js";
import type { SSEBroadcasterOptions } from "../options.js";
import { startServer, type TestServer } from "./http-server.js";
import { once, waitUntil } from "./wait.js";

/** An event as a client received it. */
export interface Received {
  type: string;
  data: string;
  id: string;
}

/** A broadcaster served over node:http on 127.0.0.1, and the clients opened against it. */
export interface Fixture<E extends BroadcastEvent> {
  broadcaster: SSEBroadcaster<E>;
  server: TestServer;
  /** Opens an eventsource client; `init` comes from the path's query in `resolve`. */
  connect(path?: string, types?: string[]): Promise<{ source: EventSource; received: Received[] }>;
  /** Closes every client, the broadcaster and the server. */
  close(): Promise<void>;
}

/**
 * Starts a fixture. `resolve` maps a request URL to the client options (the
 * tests' stand-in for authentication).
 */
export async function startFixture<E extends BroadcastEvent>(
  options: SSEBroadcasterOptions<E> = {},
  resolve: (url: URL) => AttachSSEOptions = () => ({}),
): Promise<Fixture<E>> {
  const broadcaster = createSSEBroadcaster<E>(options);
  const server = await startServer((req, res) => {
    try {
      attachSSE(broadcaster, req, res, resolve(new URL(req.url ?? "/", "http://127.0.0.1")));
    } catch (error) {
      // The app's one place that maps errors to HTTP, in miniature.
      const status = isSSEError(error, "too_many_clients") ? 503 : isSSEError(error, "duplicate_client") ? 409 : 400;
      res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify({ error: { code: (error as SSEError).code } }));
    }
  });
  const sources: EventSource[] = [];
  return {
    broadcaster,
    server,
    async connect(path = "/", types = ["message"]) {
      const source = new EventSource(`${server.url}${path}`);
      sources.push(source);
      const received: Received[] = [];
      for (const type of types) {
        source.addEventListener(type, (event) => received.push({ type, data: event.data, id: event.lastEventId }));
      }
      await once(source, "open");
      return { source, received };
    },
    async close() {
      for (const source of sources) source.close();
      await broadcaster.close();
      await server.close();
    },
  };
}

/** Waits until `received` holds `count` events. */
export function waitForCount(received: readonly unknown[], count: number, what = "events"): Promise<void> {
  return waitUntil(() => received.length >= count, `${count} ${what} (have ${received.length})`);
}
