import net from "node:net";

/** A TCP proxy to PostgreSQL that can go silent: it keeps every connection open but forwards nothing more. */
export interface StallingProxy {
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** From now on, drop every byte in both directions without closing anything (a half-open network). */
  stall(): void;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

/** Starts a proxy on a free port of 127.0.0.1 in front of `target`. */
export async function startStallingProxy(target: { host: string; port: number }): Promise<StallingProxy> {
  const sockets = new Set<net.Socket>();
  let stalled = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => sockets.delete(socket));
    }
    client.on("data", (chunk) => void (stalled || upstream.write(chunk)));
    upstream.on("data", (chunk) => void (stalled || client.write(chunk)));
    // while forwarding, a close on one side closes the other; once stalled, nothing does
    client.on("end", () => void (stalled || upstream.end()));
    upstream.on("end", () => void (stalled || client.end()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    stall: () => void (stalled = true),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
