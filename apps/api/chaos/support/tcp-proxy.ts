import net from "node:net";

/** What the proxy does with the path to the database. */
export type ProxyMode =
  /** Forwards every connection. */
  | "up"
  /** Drops every open connection and resets new ones at once (a restart, a crash, a failover). */
  | "refuse"
  /** Drops every open connection and accepts new ones without ever answering (a host that went dark). */
  | "hang";

/** A TCP proxy between the app and PostgreSQL that the test can cut. */
export interface TcpProxy {
  /** `127.0.0.1:<port>` of the proxy. */
  readonly port: number;
  setMode(mode: ProxyMode): void;
  /** Connections forwarded since start (each one a connection the app opened). */
  readonly accepted: number;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1, port 0, to `target`. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: ProxyMode = "up";
  let accepted = 0;
  const open = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    open.add(socket);
    socket.on("close", () => open.delete(socket));
    socket.on("error", () => socket.destroy());
  };

  const server = net.createServer((client) => {
    track(client);
    if (mode === "refuse") return void client.resetAndDestroy();
    if (mode === "hang") return; // held open, never forwarded: the app's connect timeout must give up
    accepted += 1;
    const upstream = net.connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;

  return {
    port,
    get accepted() {
      return accepted;
    },
    setMode(next) {
      mode = next;
      if (next !== "up") for (const socket of open) socket.destroy();
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `url` with its host and port replaced by the proxy's. */
export function throughProxy(url: string, proxy: TcpProxy): string {
  const parsed = new URL(url);
  parsed.hostname = "127.0.0.1";
  parsed.port = String(proxy.port);
  return parsed.toString();
}
