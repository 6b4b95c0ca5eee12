/**
 * An SSE client that behaves like a browser behind a load balancer: when its
 * connection drops (the instance died), it reconnects to another live
 * instance with Last-Event-ID. Records the ids each connection received.
 */
export interface RoamingStream {
  /** Ids received, one list per connection, in arrival order. */
  readonly connections: string[][];
  /** Event names other than domain events that arrived (a `reset` would be one). */
  readonly signals: string[];
  /** Resolves once the first connection is open. */
  readonly open: Promise<void>;
  /** Every id received, over all connections, in order. */
  all(): string[];
  /** Resolves once `count` ids arrived; rejects after `timeoutMs` with what did. */
  waitForCount(count: number, timeoutMs: number): Promise<void>;
  close(): void;
}

/** Parses `event:`/`id:`/`data:` frames out of a growing text; returns the unparsed rest. */
function takeFrames(buffer: string, onFrame: (frame: { event: string; id: string | undefined }) => void): string {
  let end: number;
  while ((end = buffer.indexOf("\n\n")) !== -1) {
    const block = buffer.slice(0, end);
    buffer = buffer.slice(end + 2);
    let event = "message";
    let id: string | undefined;
    let hasData = false;
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "id") id = value;
      else if (field === "data") hasData = true;
    }
    if (hasData) onFrame({ event, id });
  }
  return buffer;
}

export function roamingStream(options: {
  /** The URLs of the instances alive now (the client picks among them). */
  instances: () => string[];
  /** Which instance to start on. */
  start: number;
  path: string;
  headers: Record<string, string>;
}): RoamingStream {
  const connections: string[][] = [];
  const signals: string[] = [];
  const stop = new AbortController();
  let lastEventId: string | undefined;
  let opened!: () => void;
  const open = new Promise<void>((resolve) => (opened = resolve));
  const waiters = new Set<() => void>();
  const all = () => connections.flat();

  void (async () => {
    let index = options.start;
    for (let attempt = 0; attempt < 1_000 && !stop.signal.aborted; attempt += 1) {
      const alive = options.instances();
      const url = alive[index % alive.length]!;
      const received: string[] = [];
      try {
        const response = await fetch(`${url}${options.path}`, {
          headers: { ...options.headers, ...(lastEventId ? { "Last-Event-ID": lastEventId } : {}) },
          signal: stop.signal,
        });
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        connections.push(received);
        opened();
        const decoder = new TextDecoder();
        let buffer = "";
        const reader = response.body.getReader();
        for (let read = await reader.read(); !read.done; read = await reader.read()) {
          buffer = takeFrames(buffer + decoder.decode(read.value, { stream: true }), ({ event, id }) => {
            if (event === "reset" || id === undefined) {
              signals.push(event);
              return;
            }
            received.push(id);
            lastEventId = id;
            for (const wake of waiters) wake();
          });
        }
        // The server ended the stream (shutdown, eviction): come back.
      } catch {
        if (stop.signal.aborted) return;
        index += 1; // that instance is gone or failing: another one
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();

  return {
    connections,
    signals,
    open,
    all,
    waitForCount(count, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (all().length < count) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`got ${all().length} of ${count} events over ${connections.length} connection(s)`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => stop.abort(),
  };
}
