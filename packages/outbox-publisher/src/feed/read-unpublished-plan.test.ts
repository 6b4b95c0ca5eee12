import { useTestDatabase } from "@org/test-harness";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { expect, test } from "vitest";
import { resolveTables } from "../tables.js";
import { setUpOutbox } from "../test-support/fixtures.js";
import { readUnpublished } from "./read-unpublished.js";

const database = useTestDatabase();

type PlanNode = { "Node Type": string; "Index Name"?: string; Plans?: PlanNode[] };
const nodeTypes = (node: PlanNode): string[] => [node["Node Type"], ...(node.Plans ?? []).flatMap(nodeTypes)];

/**
 * The plans the server ran on this connection, nested statements included
 * (a function's queries, with the plan it cached): auto_explain logs each
 * one, and `client_min_messages = log` sends the log lines here.
 */
async function explainEverything(pool: pg.Pool): Promise<{ plans: PlanNode[]; release: () => void }> {
  const client = await pool.connect();
  const plans: PlanNode[] = [];
  client.on("notice", (notice) => {
    const json = notice.message?.split("plan:\n")[1];
    if (json) plans.push((JSON.parse(json) as { Plan: PlanNode }).Plan);
  });
  await client.query(`load 'auto_explain'; set auto_explain.log_min_duration = 0; set auto_explain.log_nested_statements = on;
    set auto_explain.log_format = json; set client_min_messages = log`);
  return { plans, release: () => client.release() };
}

test("a relay read over a large backlog walks the unpublished index in order and stops at its limit, with the plan the server keeps: it never sorts the backlog", async () => {
  const pool = new pg.Pool({ connectionString: database.url, max: 1 });
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
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
    const explained = await explainEverything(pool);
    explained.release(); // back to the pool of one: every query below runs on that connection, explained
    let cursor = null;
    // more reads than PostgreSQL's five custom plans before it may switch a function's query to a generic plan
    for (let read = 0; read < 8; read++) {
      const batch = await readUnpublished(db, tables, 500, cursor);
      expect(batch).toHaveLength(500);
      expect(batch[0]!.event.id).toBe(`evt_b${String(2001 + read * 500).padStart(8, "0")}`);
      const last = batch.at(-1)!.event;
      cursor = { transactionId: last.transactionId, position: last.position };
    }
    const reads = explained.plans.filter((plan) => JSON.stringify(plan).includes('"Index Name":"domain_events_unpublished"'));
    expect(reads.length).toBeGreaterThanOrEqual(8);
    // Seen before the anti join: a Bitmap Heap Scan of all 47,500 waiting rows, a Hash Left Join and a Sort, for every batch.
    for (const plan of reads.slice(-3)) {
      const nodes = nodeTypes(plan);
      expect(nodes).not.toContain("Sort");
      expect(nodes).toContain("Index Scan");
    }
  } finally {
    await db.destroy();
  }
});
