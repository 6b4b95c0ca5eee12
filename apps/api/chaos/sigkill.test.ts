import { useTestDatabase } from "@org/test-harness";
import { afterAll, describe, expect, test } from "vitest";
import { spawnServer, type ServerProcess } from "../e2e/support/spawn-server.js";
import { countingStream } from "./support/counting-stream.js";
import { freePort } from "./support/free-port.js";
import { report, scale } from "./support/report.js";
import { statusCounts, steadyWriter } from "./support/steady-writer.js";

/**
 * SIGKILL under load: settlements are written at a steady rate while the
 * server is killed (no shutdown, nothing flushed) and restarted, twice. A
 * client that resumes with Last-Event-ID must receive every write that got
 * a 2xx: lost = 0. Duplicates are allowed (delivery is at least once) and
 * counted.
 */
const database = useTestDatabase();
const KEY = "chaos-sigkill-key-0001";
/** Acknowledged writes to reach (the writer keeps sending until then; down time costs some attempts). */
const TOTAL = scale(500, 10_000);
/** A rate this 2-core machine sustains with everything else running: above it requests queue and time out. */
const RATE = scale(60, 60);
let server: ServerProcess | undefined;

afterAll(async () => {
  await server?.stop();
});

describe("SIGKILL under load", () => {
  test(`${TOTAL} writes at ${RATE}/s, killed and restarted twice: every acknowledged write is delivered`, { timeout: scale(90_000, 900_000) }, async () => {
    const port = await freePort();
    const env = {
      DATABASE_URL: database.url,
      API_KEYS: `tenant-kill:${KEY}`,
      PORT: String(port),
      HOST: "127.0.0.1",
      SSE_HEARTBEAT_MS: "1000",
      PUBLISHER_POLL_INTERVAL_MS: "200",
      RATE_LIMIT_PER_MINUTE: "0",
    };
    server = await spawnServer(env);
    const url = `http://127.0.0.1:${port}`;
    const stream = countingStream({ url: () => url, key: KEY });
    const writer = steadyWriter({ url: () => url, key: KEY, ratePerSecond: RATE, total: TOTAL * 3, untilAcknowledged: TOTAL });

    const restarts: { killedAtWrite: number; downMs: number }[] = [];
    for (const fraction of [1 / 3, 2 / 3]) {
      while (writer.acknowledged.size < TOTAL * fraction) await new Promise((resolve) => setTimeout(resolve, 50));
      const killedAt = performance.now();
      const killedAtWrite = writer.acknowledged.size;
      expect(await server.stop("SIGKILL")).toBeNull();
      server = await spawnServer(env);
      restarts.push({ killedAtWrite, downMs: Math.round(performance.now() - killedAt) });
    }
    await writer.done;

    const createdIds = () => new Set([...stream.seen.values()].filter((e) => e.type === "settlement.created").map((e) => e.data.settlement_id as string));
    await stream.until(() => [...writer.acknowledged].every((id) => createdIds().has(id)), scale(60_000, 180_000));
    await stream.stop();

    const delivered = createdIds();
    const lost = [...writer.acknowledged].filter((id) => !delivered.has(id));
    report({
      scenario: "SIGKILL under load",
      written: writer.acknowledged.size,
      delivered: [...writer.acknowledged].filter((id) => delivered.has(id)).length,
      lost: lost.length,
      duplicates: stream.duplicates,
      attempted: writer.sent,
      ratePerSecond: RATE,
      restarts,
      statuses: statusCounts(writer.outcomes),
      deliveredWithoutAcknowledgement: [...delivered].filter((id) => !writer.acknowledged.has(id)).length,
      reconnections: stream.connections - 1,
      resets: stream.resets,
      brokenFrames: stream.broken.length,
    });
    expect(lost).toEqual([]);
    expect(stream.broken).toEqual([]);
    expect(stream.resets).toBe(0);
    expect(writer.acknowledged.size).toBeGreaterThanOrEqual(TOTAL);
  });
});
