import { useTestDatabase } from "@org/test-harness";
import { sql } from "kysely";
import { beforeAll, beforeEach, describe, expect, test } from "vitest";
import { isOutboxError } from "../errors.js";
import { deleteOldEvents } from "../retention.js";
import { resetOutbox, setUpOutbox, waitFor, writeEvents } from "../test-support/fixtures.js";
import { createEventWorker } from "./event-worker.js";
import { dropWorkerGroup, registerWorkerGroup } from "./group-admin.js";

const database = useTestDatabase();
beforeAll(async () => setUpOutbox(database.db));
beforeEach(async () => resetOutbox(database.db));

describe("registerWorkerGroup / dropWorkerGroup", () => {
  test("a group registered now gets exactly the events committed after it, even when its worker starts later", async () => {
    await writeEvents(database.db, 5, { prefix: "before" });
    await database.db.transaction().execute((trx) => registerWorkerGroup(trx, { group: "late" }));
    const after = await writeEvents(database.db, 3, { prefix: "after" });
    const handled: string[] = [];
    const worker = createEventWorker(database.db, { group: "late", pollIntervalMs: 10, startFrom: "now", handler: (event) => void handled.push(event.id) });
    await worker.start();
    await waitFor(() => handled.length >= 3, 10_000, "the later events");
    await worker.stop();
    expect(handled.sort()).toEqual([...after].sort());
  });

  test("dropping a group removes its checkpoint and its dead letters, so retention is no longer held back by it", async () => {
    const ids = await writeEvents(database.db, 4, { prefix: "old", aggregates: 4 });
    await registerWorkerGroup(database.db, { group: "gone", startFrom: "beginning" });
    const worker = createEventWorker(database.db, { group: "gone", pollIntervalMs: 10, retry: { maxAttempts: 1 }, handler: () => { throw new Error("down"); } });
    await worker.start();
    await waitFor(async () => {
      const { rows } = await sql<{ n: string }>`select count(*) as n from domain_events_deliveries where group_name = 'gone' and status = 'dead'`.execute(database.db);
      return Number(rows[0]!.n) === 4;
    }, 10_000, "four dead letters");
    await worker.stop();
    await sql`update domain_events set created_at = now() - interval '30 days', published_at = now()`.execute(database.db);
    const options = { olderThanMs: 24 * 3600_000 };
    expect(await deleteOldEvents(database.db, options)).toBe(0);
    expect(await dropWorkerGroup(database.db, { group: "gone" })).toBe(4);
    expect(await deleteOldEvents(database.db, options)).toBe(ids.length);
  });

  test("the feed's reserved group and malformed names are refused", async () => {
    for (const group of ["$feed", "bad name", ""]) {
      await expect(registerWorkerGroup(database.db, { group })).rejects.toSatisfy((error) => isOutboxError(error, "invalid_options"));
      await expect(dropWorkerGroup(database.db, { group })).rejects.toSatisfy((error) => isOutboxError(error, "invalid_options"));
    }
  });
});
