import type { Kysely } from "kysely";
import { sql } from "kysely";
import { expect } from "vitest";
import { spawnServer, type ServerProcess } from "./spawn-server.js";
import { roamingStream, type RoamingStream } from "./roaming-stream.js";

export const TENANTS = [
  { tenantId: "tenant-a", key: "cluster-key-tenant-a-123" },
  { tenantId: "tenant-b", key: "cluster-key-tenant-b-456" },
] as const;

/** Three (or `size`) apps/api processes on one database. */
export interface Cluster {
  servers: ServerProcess[];
  /** URLs of the instances not killed. */
  alive(): string[];
  /** SIGKILLs instance `index`. */
  kill(index: number): Promise<void>;
  /** Index of the instance that relays now (its /metrics says outbox_is_leader 1), or -1. */
  relayIndex(): Promise<number>;
  stop(): Promise<void>;
}

export async function startCluster(env: Record<string, string>, size = 3): Promise<Cluster> {
  const servers = await Promise.all(
    Array.from({ length: size }, () =>
      spawnServer({
        API_KEYS: TENANTS.map(({ tenantId, key }) => `${tenantId}:${key}`).join(","),
        SSE_HEARTBEAT_MS: "1000",
        PUBLISHER_POLL_INTERVAL_MS: "200",
        STREAM_TOKEN_SECRET: "cluster-secret-0123456789",
        ...env,
      }),
    ),
  );
  const killed = new Set<number>();
  return {
    servers,
    alive: () => servers.filter((_, index) => !killed.has(index)).map((server) => server.url),
    async kill(index) {
      killed.add(index);
      await servers[index]!.stop("SIGKILL");
    },
    async relayIndex() {
      for (const [index, server] of servers.entries()) {
        if (killed.has(index)) continue;
        const metrics = await fetch(`${server.url}/metrics`).then((response) => response.text(), () => "");
        if (/^outbox_is_leader 1$/m.test(metrics)) return index;
      }
      return -1;
    },
    async stop() {
      await Promise.all(servers.map((server) => server.stop()));
    },
  };
}

/** Polls `condition` every 50 ms for at most `timeoutMs`. */
export async function eventually(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Writes settlements (create, then select a network) for every tenant,
 * round-robin over the instances alive, a few at a time. A request that
 * fails because its instance died is sent again to another one (creates
 * carry an Idempotency-Key, so a create that did commit is not doubled).
 * Calls `midway` once half of the work is done.
 */
export async function writeSpread(cluster: Cluster, perTenant: number, midway: () => Promise<void>): Promise<void> {
  // Tenants interleaved, so both keep writing through the disturbance.
  const jobs = Array.from({ length: perTenant }, (_, n) => TENANTS.map(({ key }) => ({ key, n }))).flat();
  let done = 0;
  let midwayRun: Promise<void> | undefined;
  let turn = 0;
  const run = Math.random().toString(36).slice(2, 10); // keys of their own: a key seen before would replay, not write
  const send = async (key: string, path: string, body: unknown, headers: Record<string, string> = {}) => {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const alive = cluster.alive();
      const url = alive[turn++ % alive.length]!;
      try {
        const response = await fetch(`${url}${path}`, {
          method: "POST",
          headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", ...headers },
          body: JSON.stringify(body),
        });
        const json = (await response.json()) as { id?: string };
        if (response.status === 200 || response.status === 201) return json;
        // A command sent again after its instance died mid-request: the first attempt had committed.
        if (response.status === 409 && attempt > 0) return json;
        throw new Error(`HTTP ${response.status} ${JSON.stringify(json)}`);
      } catch (error) {
        if (attempt === 19) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    throw new Error("unreachable");
  };
  const worker = async () => {
    for (let job = jobs.shift(); job; job = jobs.shift()) {
      const created = await send(job.key, "/api/v1/settlements", { amount: `${job.n + 1}.00`, currency: "USD" }, { "Idempotency-Key": `job-${run}-${job.key}-${job.n}` });
      await send(job.key, `/api/v1/settlements/${created.id}/select-network`, { network: "polygon", score: 0.5, reasoning: "test" });
      done += 1;
      if (done === perTenant) midwayRun ??= midway();
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  await midwayRun;
}

/** A tenant's event ids in the store's replay order. */
export async function replayOrder(db: Kysely<any>, tenantId: string): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`select id from domain_events where tenant_id = ${tenantId} order by transaction_id, position`.execute(db);
  return rows.map((row) => row.id);
}

/**
 * Opens one stream per tenant on every instance, writes one settlement per
 * tenant and waits until every stream got its event: a client that has
 * received nothing has no Last-Event-ID to resume from elsewhere (an SSE
 * limit, not the cluster's), so the disturbances come after that.
 */
export async function openStreams(cluster: Cluster): Promise<{ tenantId: string; stream: RoamingStream }[]> {
  const streams = cluster.servers.flatMap((_, start) =>
    TENANTS.map(({ tenantId, key }) => ({
      tenantId,
      stream: roamingStream({ instances: () => cluster.alive(), start, path: "/api/v1/events/stream", headers: { Authorization: `Bearer ${key}` } }),
    })),
  );
  await Promise.all(streams.map(({ stream }) => stream.open));
  for (const [index, { key }] of TENANTS.entries()) {
    const response = await fetch(`${cluster.alive()[index % cluster.alive().length]}/api/v1/settlements`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ amount: "0.01", currency: "USD" }),
    });
    expect(response.status).toBe(201);
  }
  await Promise.all(streams.map(({ stream }) => stream.waitForCount(1, 20_000)));
  return streams;
}

/**
 * Every client got every event of its tenant once, in the store's replay
 * order, over all its connections (so exactly once within each), and no
 * reset (nothing it asked for was unknown).
 */
export async function expectEveryClientComplete(
  db: Kysely<any>,
  streams: { tenantId: string; stream: RoamingStream }[],
  perTenant: number,
): Promise<void> {
  const expected = new Map<string, string[]>();
  for (const { tenantId } of TENANTS) {
    const events = await replayOrder(db, tenantId);
    // The warm-up settlement, then a create and a network selection per job (a command sent again
    // after its instance died may have landed twice): the writes did write.
    expect(events.length, `${tenantId}'s events in the store`).toBeGreaterThanOrEqual(1 + 2 * perTenant);
    expected.set(tenantId, events);
  }
  await Promise.all(
    streams.map(({ tenantId, stream }) => stream.waitForCount(expected.get(tenantId)!.length, 30_000).catch(() => {})),
  );
  const summary = streams.map(({ tenantId, stream }, index) => ({
    client: `${index}:${tenantId}`,
    received: stream.all().length,
    expected: expected.get(tenantId)!.length,
    connections: stream.connections.map((connection) => connection.length),
  }));
  for (const [index, { tenantId, stream }] of streams.entries()) {
    for (const connection of stream.connections) expect(new Set(connection).size, `client ${index}: a duplicate within a connection`).toBe(connection.length);
    expect(stream.all(), `client ${index} (${tenantId}); all: ${JSON.stringify(summary)}`).toEqual(expected.get(tenantId));
    expect(stream.signals).toEqual([]);
  }
}
