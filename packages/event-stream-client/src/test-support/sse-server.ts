import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the server received, and its response while it is a stream. */
export interface SseRequest {
  headers: IncomingMessage["headers"];
  response: ServerResponse;
  /** Writes raw SSE text to this stream. */
  write(text: string): void;
  /** Ends this stream (the client sees the server close it). */
  end(): void;
}

/** A real node:http server whose answers the test decides. */
export interface SseServer {
  url: string;
  /** Every request so far, in arrival order. */
  requests: SseRequest[];
  /** Resolves when request number `count` (1-based) has arrived. */
  request(count: number): Promise<SseRequest>;
  close(): Promise<void>;
}

/**
 * Starts a server on 127.0.0.1, port 0. `answer` decides per request: return
 * a status code to answer with it (and an empty body), or `"stream"` to open
 * a `text/event-stream` response the test then writes to.
 */
export async function startSseServer(answer: (request: IncomingMessage, index: number) => number | "stream" = () => "stream"): Promise<SseServer> {
  const requests: SseRequest[] = [];
  const waiters: Array<{ count: number; resolve: (request: SseRequest) => void }> = [];
  const server = createServer((req, res) => {
    const decision = answer(req, requests.length);
    const entry: SseRequest = {
      headers: req.headers,
      response: res,
      write: (text) => void res.write(text),
      end: () => void res.end(),
    };
    if (decision === "stream") {
      res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
      res.flushHeaders();
    } else {
      res.writeHead(decision, { "Content-Type": "application/json" }).end("{}");
    }
    requests.push(entry);
    for (const waiter of waiters.filter((w) => w.count <= requests.length)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(requests[waiter.count - 1]!);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/stream`,
    requests,
    request: (count) =>
      requests.length >= count ? Promise.resolve(requests[count - 1]!) : new Promise((resolve) => waiters.push({ count, resolve })),
    close: () =>
      new Promise((resolve) => {
        for (const request of requests) request.response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Resolves when `predicate` holds, polling every 5 ms; rejects after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 5_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
