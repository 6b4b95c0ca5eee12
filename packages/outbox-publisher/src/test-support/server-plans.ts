import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { resetOutbox, setUpOutbox } from "./fixtures.js";

/** One node of a plan in EXPLAIN's JSON format. */
export type PlanNode = { "Node Type": string; "Relation Name"?: string; "Index Name"?: string; Plans?: PlanNode[] };

/** Every node of a plan, depth first. */
export const planNodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(planNodes)];

/**
 * Makes the pool's connection (a pool of one) report the plan of every
 * statement the server runs on it, nested statements included (a
 * function's queries, with the plan it cached): auto_explain logs each one,
 * and `client_min_messages = log` sends the log lines to this client.
 * `plans` fills as statements run.
 */
async function explainEverything(pool: pg.Pool): Promise<PlanNode[]> {
  const client = await pool.connect();
  const plans: PlanNode[] = [];
  client.on("notice", (notice) => {
    const json = notice.message?.split("plan:\n")[1];
    if (json) plans.push((JSON.parse(json) as { Plan: PlanNode }).Plan);
  });
  try {
    await client.query(`load 'auto_explain'; set auto_explain.log_min_duration = 0; set auto_explain.log_nested_statements = on;
      set auto_explain.log_format = json; set client_min_messages = log`);
  } finally {
    client.release();
  }
  return plans;
}

/**
 * Runs `body` with a database handle of one connection on `url`, whose
 * outbox tables exist and are empty. `explain()` starts collecting the
 * plans of everything that runs on that connection from then on.
 */
export async function withOneConnection(url: string, body: (db: Kysely<any>, explain: () => Promise<PlanNode[]>) => Promise<void>): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  try {
    await setUpOutbox(db);
    await resetOutbox(db);
    await body(db, () => explainEverything(pool));
  } finally {
    await db.destroy();
  }
}
