import { createServer } from "node:net";
import { expect, inject, test } from "vitest";
import { NO_DATABASE_MESSAGE, resolveDatabaseUrl } from "./resolve-database-url.js";

const noDocker = "/nonexistent/docker";

test("DATABASE_URL wins", async () => {
  await expect(resolveDatabaseUrl({ env: { DATABASE_URL: "postgres://elsewhere/db" }, dockerCommand: noDocker })).resolves.toEqual({
    url: "postgres://elsewhere/db",
  });
});

test("without DATABASE_URL or Docker, the local server is used when it answers", async () => {
  const local = inject("databaseUrl");
  await expect(resolveDatabaseUrl({ env: {}, localUrl: local, dockerCommand: noDocker })).resolves.toEqual({ url: local });
});

test("with no database anywhere it fails within seconds with one line that says what to do", async () => {
  // A port that accepts nothing: bind, then close.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));

  const attempt = resolveDatabaseUrl({ env: {}, localUrl: `postgres://postgres@127.0.0.1:${port}/postgres`, dockerCommand: noDocker });
  await expect(attempt).rejects.toThrow(NO_DATABASE_MESSAGE);
  expect(NO_DATABASE_MESSAGE).not.toContain("\n");
});

test("a server that accepts but never answers is given up on by the probe's own timeout", async () => {
  const sockets: import("node:net").Socket[] = [];
  const silent = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const { port } = silent.address() as { port: number };
  try {
    await expect(
      resolveDatabaseUrl({ env: {}, localUrl: `postgres://postgres@127.0.0.1:${port}/postgres`, dockerCommand: noDocker }),
    ).rejects.toThrow(NO_DATABASE_MESSAGE);
  } finally {
    sockets.forEach((socket) => socket.destroy());
    await new Promise((resolve) => silent.close(resolve));
  }
});
