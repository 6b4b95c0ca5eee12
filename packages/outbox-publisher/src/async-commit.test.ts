import { useTestDatabase } from "@org/test-harness";
import { sql, type Kysely } from "kysely";
import { beforeAll, beforeEach, expect, test } from "vitest";
import { markPublished } from "./feed/mark-published.js";
import { resolveTables } from "./tables.js";
import { resetOutbox, setUpOutbox, writeEvents, writer } from "./test-support/fixtures.js";
import { claimDeliveries } from "./worker/claim-query.js";
import { completeDeliveries } from "./worker/complete-query.js";
import { fillDeliveries, registerGroup } from "./worker/fill-query.js";

const database = useTestDatabase();
const tables = resolveTables();
beforeAll(async () => setUpOutbox(database.db));
beforeEach(async () => resetOutbox(database.db));

/** The value of `synchronous_commit` a statement leaves for the rest of its transaction (what its commit uses). */
async function commitModeAfter(statement: (tx: Kysely<any>) => Promise<unknown>): Promise<string> {
  return database.db.transaction().execute(async (tx) => {
    await statement(tx);
    return (await sql<{ mode: string }>`select current_setting('synchronous_commit') as mode`.execute(tx)).rows[0]!.mode;
  });
}

test("the outbox's bookkeeping statements commit without waiting for the WAL flush, whether or not they touched a row", async () => {
  const ids = await writeEvents(database.db, 3, { aggregates: 3 });
  await registerGroup(database.db, tables, "g", "beginning");
  const worker = { limit: 1, leaseMs: 30_000, workerId: "w" };
  expect(await commitModeAfter((tx) => fillDeliveries(tx, tables, "g", 10, {}, worker))).toBe("off");
  expect(await commitModeAfter((tx) => fillDeliveries(tx, tables, "g", 10, {}, worker))).toBe("off"); // nothing left to fill
  expect(await commitModeAfter((tx) => claimDeliveries(tx, tables, "g", worker))).toBe("off");
  expect(await commitModeAfter((tx) => completeDeliveries(tx, tables, "g", "w", ids))).toBe("off");
  expect(await commitModeAfter((tx) => markPublished(tx, tables, ids, false))).toBe("off");
  expect(await commitModeAfter((tx) => markPublished(tx, tables, ids, true))).toBe("off"); // already marked: no row
  // the writers' own statements keep the server's setting
  expect(await commitModeAfter((tx) => writer.recordEvent(tx, "agg", "w1", "test.happened", { n: 1 }))).toBe("on");
});
