import { useTestDatabase } from "@org/test-harness";
import { Kysely, PostgresDialect, type CompiledQuery } from "kysely";
import pg from "pg";
import { beforeAll, beforeEach, expect, test } from "vitest";
import { resetOutbox, setUpOutbox, waitFor, writeEvents } from "../test-support/fixtures.js";
import { createEventWorker } from "./event-worker.js";

const database = useTestDatabase();
beforeAll(async () => setUpOutbox(database.db));
beforeEach(async () => resetOutbox(database.db));

test("an idle group hands a new event to its handler and completes it in two statements: one fill that claims it, one that completes it", async () => {
  const statements: CompiledQuery[] = [];
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 2 }) }), log: (event) => void statements.push(event.query) });
  const handled: string[] = [];
  const worker = createEventWorker(db, { group: "g", pollIntervalMs: 60_000, handler: (event) => void handled.push(event.id) });
  try {
    await worker.start();
    await waitFor(() => statements.length >= 2, 10_000, "the first (empty) round");
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (let i = 0; i < 3; i++) {
      statements.length = 0;
      const [id] = await writeEvents(database.db, 1, { prefix: `agg${i}` });
      worker.notify();
      await waitFor(() => handled.includes(id!), 10_000, "the handler");
      await new Promise((resolve) => setTimeout(resolve, 100)); // idle again: nothing more is sent
      expect(statements.map((s) => s.sql.replace(/\s+/g, " ").trim().slice(0, 60))).toEqual([
        expect.stringMatching(/^select \* from "domain_events_deliveries_fill"/),
        expect.stringMatching(/^select \* from "domain_events_deliveries_fill"/),
      ]);
    }
    expect(await db.selectFrom("domain_events_deliveries").select("event_id").execute()).toEqual([]);
  } finally {
    await worker.stop();
    await db.destroy();
  }
});
