import { useTestDatabase } from "@org/test-harness";
import { sql } from "kysely";
import { expect, test } from "vitest";
import { resolveTables } from "../tables.js";
import { planNodes, withOneConnection } from "../test-support/server-plans.js";
import { readUnpublished } from "./read-unpublished.js";

const database = useTestDatabase();

test("a relay read over a large backlog walks the unpublished index in order and stops at its limit, with the plan the server keeps: it never sorts the backlog", async () => {
  await withOneConnection(database.url, async (db, explain) => {
    // a published prefix, then a backlog, each vacuumed and analyzed (as after a bulk load)
    const load = async (from: number, to: number) =>
      sql`insert into domain_events (id, aggregate_type, aggregate_id, aggregate_version, event_type, payload)
        select 'evt_b' || lpad(g::text, 8, '0'), 'thing', 'agg_' || g, 1, 'test.happened', '{"n": 1}'::jsonb from generate_series(${from}::int, ${to}::int) g`.execute(db);
    await load(1, 2000);
    await sql`update domain_events set published_at = now()`.execute(db);
    await sql`vacuum analyze domain_events`.execute(db);
    for (let from = 2001; from <= 50000; from += 2000) await load(from, from + 1999); // one transaction per 2,000 rows
    await sql`vacuum analyze domain_events`.execute(db);
    const tables = resolveTables();
    const plans = await explain();
    let cursor = null;
    // more reads than PostgreSQL's five custom plans before it may switch a function's query to a generic plan
    for (let read = 0; read < 8; read++) {
      const batch = await readUnpublished(db, tables, 500, cursor);
      expect(batch).toHaveLength(500);
      expect(batch[0]!.event.id).toBe(`evt_b${String(2001 + read * 500).padStart(8, "0")}`);
      const last = batch.at(-1)!.event;
      cursor = { transactionId: last.transactionId, position: last.position };
    }
    const reads = plans.filter((plan) => JSON.stringify(plan).includes('"Index Name":"domain_events_unpublished"'));
    expect(reads.length).toBeGreaterThanOrEqual(8);
    // Seen before the anti join: a Bitmap Heap Scan of all 47,500 waiting rows, a Hash Left Join and a Sort, for every batch.
    for (const plan of reads.slice(-3)) {
      const nodes = planNodes(plan).map((node) => node["Node Type"]);
      expect(nodes).not.toContain("Sort");
      expect(nodes).toContain("Index Scan");
    }
  });
});

test("a relay read planned while the log was empty still walks the unpublished index once 20,000 events wait", async () => {
  await withOneConnection(database.url, async (db, explain) => {
    const tables = resolveTables();
    const plans = await explain();
    // a new deployment: the relay reads an empty log, more often than the five custom plans before a generic one
    for (let read = 0; read < 8; read++) expect(await readUnpublished(db, tables, 500)).toEqual([]);
    // then a backlog, with no ANALYZE since
    await sql`insert into domain_events (id, aggregate_type, aggregate_id, aggregate_version, event_type, payload)
      select 'evt_e' || lpad(g::text, 8, '0'), 'thing', 'agg_' || g, 1, 'test.happened', '{"n": 1}'::jsonb from generate_series(1, 20000) g`.execute(db);
    plans.length = 0;
    const batch = await readUnpublished(db, tables, 500);
    expect(batch.map((item) => item.event.id)).toEqual(Array.from({ length: 500 }, (_, i) => `evt_e${String(i + 1).padStart(8, "0")}`));
    const read = plans.find((plan) => planNodes(plan).some((node) => node["Relation Name"] === "domain_events"))!;
    const nodes = planNodes(read);
    expect(nodes.map((node) => node["Node Type"])).not.toContain("Sort");
    expect(nodes.filter((node) => node["Relation Name"] === "domain_events").map((node) => node["Node Type"])).toEqual(["Index Scan"]);
  });
});
