import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { spawnServer, type ServerProcess } from "./support/spawn-server.js";
import { openStream } from "./support/sse-client.js";

/** `pnpm start` on a fresh clone: no DATABASE_URL, no API_KEYS, PGlite in a data folder. */
const dataDirs: string[] = [];
const servers: ServerProcess[] = [];
afterAll(async () => {
  // Only matters when an assertion failed before a server was stopped.
  await Promise.all(servers.map((server) => server.stop("SIGKILL")));
  await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function start(dataDir: string): Promise<ServerProcess> {
  const server = await spawnServer({ DATA_DIR: dataDir });
  servers.push(server);
  return server;
}

describe("the zero-setup default", { timeout: 180_000 }, () => {
  test("starts on embedded PGlite with a development key, keeps data across restarts, and exits 0 on SIGTERM with a stream open", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "api-pglite-"));
    dataDirs.push(dataDir);
    const first = await start(dataDir);
    const key = /development key[^\n]*\n\s*(sk_\S+)/.exec(first.output())?.[1];
    expect(key).toBeDefined();
    expect(await (await fetch(`${first.url}/healthz`)).json()).toEqual({ status: "ok" });

    const live = openStream(`${first.url}/api/v1/events/stream`, { Authorization: `Bearer ${key}` });
    await live.open;
    const created = await fetch(`${first.url}/api/v1/settlements`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ amount: "42.00", currency: "USD" }),
    });
    const settlement = (await created.json()) as { id: string };
    const [event] = await live.waitFor(1);
    expect(event).toMatchObject({ type: "settlement.created", data: { settlement_id: settlement.id } });

    expect(await first.stop("SIGTERM")).toBe(0);
    live.close();

    // The data folder keeps the settlement for the next start (with a new development key).
    const second = await start(dataDir);
    const secondKey = /development key[^\n]*\n\s*(sk_\S+)/.exec(second.output())![1]!;
    const listing = await fetch(`${second.url}/api/v1/settlements`, { headers: { Authorization: `Bearer ${secondKey}` } });
    expect(((await listing.json()) as { data: { id: string }[] }).data.map((s) => s.id)).toContain(settlement.id);
    expect(await second.stop("SIGINT")).toBe(0);
  });
});
