import { useTestDatabase } from "@org/test-harness";
import { sql } from "kysely";
import { expect, test } from "vitest";
import { resolveTables } from "../tables.js";
import { planNodes, withOneConnection } from "../test-support/server-plans.js";
import { claimDeliveries } from "./claim-query.js";
import { fillDeliveries, registerGroup } from "./fill-query.js";

const database = useTestDatabase();

test("a claim planned while the queue was empty still reaches its rows by index and ctid once 20,000 are queued: it never scans the queue", async () => {
  await withOneConnection(database.url, async (db, explain) => {
    const tables = resolveTables();
    await registerGroup(db, tables, "g", "beginning");
    const plans = await explain();
    const claim = () => claimDeliveries(db, tables, "g", { limit: 100, leaseMs: 60_000, workerId: "w" });
    // A new deployment: the worker claims from an empty queue, more often than PostgreSQL's
    // five custom plans before it may keep a generic one.
    for (let i = 0; i < 8; i++) expect(await claim()).toEqual([]);
    // Then a backlog arrives, 20,000 events of 10,000 aggregates, with no ANALYZE since.
    await sql`insert into domain_events (id, aggregate_type, aggregate_id, aggregate_version, event_type, payload)
      select 'evt_q' || lpad(g::text, 8, '0'), 'thing', 'agg_' || (g % 10000), g / 10000 + 1, 'test.happened', '{"n": 1}'::jsonb
      from generate_series(0, 19999) g`.execute(db);
    expect((await fillDeliveries(db, tables, "g", 20_000, {})).scanned).toBe(20_000);
    plans.length = 0;
    for (let round = 0; round < 3; round++) {
      const claimed = await claim();
      // 50 heads, each with its aggregate's second event (the run behind it), in commit-safe order
      const heads = Array.from({ length: 50 }, (_, i) => round * 50 + i);
      expect(claimed.map((c) => c.event.id)).toEqual([...heads, ...heads.map((n) => n + 10_000)].map((n) => `evt_q${String(n).padStart(8, "0")}`));
    }
    const claims = plans.filter((plan) => planNodes(plan).some((node) => node["Node Type"] === "ModifyTable" && node["Relation Name"] === "domain_events_deliveries"));
    expect(claims).toHaveLength(3);
    for (const plan of claims) {
      // Seen: the generic plan found the rows to update with a Seq Scan of the whole queue, for every claim.
      const scans = planNodes(plan).filter((node) => node["Relation Name"] === "domain_events_deliveries").map((node) => node["Node Type"]);
      expect(scans).not.toContain("Seq Scan");
    }
  });
});

test("a fill planned while the log was empty still reads the log and the queue by index once 20,000 events wait", async () => {
  await withOneConnection(database.url, async (db, explain) => {
    const tables = resolveTables();
    await registerGroup(db, tables, "g", "beginning");
    const plans = await explain();
    const fill = () => fillDeliveries(db, tables, "g", 1000, {}, { limit: 1000, leaseMs: 60_000, workerId: "w" });
    for (let i = 0; i < 8; i++) expect((await fill()).scanned).toBe(0);
    await sql`insert into domain_events (id, aggregate_type, aggregate_id, aggregate_version, event_type, payload)
      select 'evt_f' || lpad(g::text, 8, '0'), 'thing', 'agg_' || (g % 10000), g / 10000 + 1, 'test.happened', '{"n": 1}'::jsonb
      from generate_series(0, 19999) g`.execute(db);
    plans.length = 0;
    for (let round = 0; round < 3; round++) {
      const { scanned, claimed } = await fill();
      expect(scanned).toBe(1000);
      expect(claimed.map((c) => c.event.id)).toEqual(Array.from({ length: 1000 }, (_, i) => `evt_f${String(round * 1000 + i).padStart(8, "0")}`));
    }
    const fills = plans.filter((plan) => planNodes(plan).some((node) => node["Node Type"] === "ModifyTable" && node["Relation Name"] === "domain_events_groups"));
    expect(fills).toHaveLength(3);
    for (const plan of fills) {
      const scans = planNodes(plan).filter((node) => node["Relation Name"] === "domain_events" || node["Relation Name"] === "domain_events_deliveries");
      expect(scans.map((node) => node["Node Type"])).not.toContain("Seq Scan");
    }
  });
});
