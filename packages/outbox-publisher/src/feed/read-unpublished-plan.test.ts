import { useTestDatabase } from "@org/test-harness";
import { Kysely, PostgresDialect, sql, type CompiledQuery } from "kysely";
import pg from "pg";
import { expect, test } from "vitest";
import { resolveTables } from "../tables.js";
import { setUpOutbox } from "../test-support/fixtures.js";
import { readUnpublished } from "./read-unpublished.js";

const database = useTestDatabase();

type PlanNode = { "Node Type": string; Plans?: PlanNode[] };
const nodeTypes = (node: PlanNode): string[] => [node["Node Type"], ...(node.Plans ?? []).flatMap(nodeTypes)];

test("a relay read over a large backlog walks the unpublished index in order and stops at its limit: it never sorts the backlog", async () => {
  const queries: CompiledQuery[] = [];
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 1 }) }), log: (event) => void queries.push(event.query) });
  try {
    await setUpOutbox(db);
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
    const first = await readUnpublished(db, tables, 500);
    const last = first.at(-1)!.event;
    queries.length = 0;
    expect(await readUnpublished(db, tables, 500, { transactionId: last.transactionId, position: last.position })).toHaveLength(500);
    const { rows } = await db.executeQuery<{ "QUERY PLAN": [{ Plan: PlanNode }] }>({ ...queries[0]!, sql: `explain (format json) ${queries[0]!.sql}` });
    // Seen before the fix: a Bitmap Heap Scan of all 47,500 waiting rows, a Hash Left Join and a Sort, for every batch.
    const nodes = nodeTypes(rows[0]!["QUERY PLAN"][0].Plan);
    expect(nodes).not.toContain("Sort");
    expect(nodes).toContain("Index Scan");
  } finally {
    await db.destroy();
  }
});
