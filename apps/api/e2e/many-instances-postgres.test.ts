import { useTestDatabase } from "@org/test-harness";
import { sql } from "kysely";
import { afterEach, describe, expect, test } from "vitest";
import { eventually, expectEveryClientComplete, openStreams, startCluster, writeSpread, type Cluster } from "./support/cluster-scenario.js";

/**
 * Three apps/api processes on one PostgreSQL and no Redis: every instance
 * follows the log itself, so every SSE client gets every event of its
 * tenant whichever instance it is on.
 */
const database = useTestDatabase();
const PER_TENANT = 20;
let cluster: Cluster | undefined;
let closeStreams: () => void = () => {};
afterEach(async () => {
  closeStreams();
  await cluster?.stop();
  cluster = undefined;
});

async function unpublished(): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*) as n from domain_events where published_at is null`.execute(database.db);
  return Number(rows[0]!.n);
}

describe("three instances on PostgreSQL alone", { timeout: 120_000 }, () => {
  for (const victim of ["relay", "follower"] as const) {
    test(`every client gets every event once, in replay order; the ${victim} is SIGKILLed midway`, async () => {
      await sql`truncate domain_events cascade`.execute(database.db).catch(() => {});
      cluster = await startCluster({ DATABASE_URL: database.url });
      await eventually(async () => (await cluster!.relayIndex()) !== -1, "one instance to relay");
      const streams = await openStreams(cluster);
      closeStreams = () => streams.forEach(({ stream }) => stream.close());
      let killed = -1;
      await writeSpread(cluster, PER_TENANT, async () => {
        const relay = await cluster!.relayIndex();
        killed = victim === "relay" ? relay : (relay + 1) % 3;
        await cluster!.kill(killed);
        if (victim === "relay") {
          const since = Date.now();
          await eventually(async () => (await cluster!.relayIndex()) !== -1, "another instance to take over relaying", 10_000);
          expect(Date.now() - since).toBeLessThan(10_000);
        }
      });
      await expectEveryClientComplete(database.db, streams, PER_TENANT);
      // The clients that were on the killed instance moved to another one.
      for (const [index, { stream }] of streams.entries()) {
        if (Math.floor(index / 2) === killed) expect(stream.connections.length, `client ${index}`).toBeGreaterThan(1);
      }
      await eventually(async () => (await unpublished()) === 0, "the relay to mark every event published");
    });
  }
});
