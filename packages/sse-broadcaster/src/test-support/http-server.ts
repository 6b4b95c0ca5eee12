import http from "node:http";
import type { AddressInfo } from "node:net";

/** A node:http server on 127.0.0.1 with an ephemeral port. */
export interface TestServer {
  url: string;
  port: number;
  /** Closes the server and every connection it still holds. */
  close(): Promise<void>;
}

export async function startServer(handler: http.RequestListener): Promise<TestServer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
