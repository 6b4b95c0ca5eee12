import { useTestDatabase } from "@org/test-harness";
import { sql } from "kysely";
import pg from "pg";
import { afterEach, describe, expect, test } from "vitest";
import { createPostgresDatabase } from "./pg.js";

const database = useTestDatabase();
const opened: { destroy(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((db) => db.destroy()));
});

/** Ends every backend of the test database but the caller's own, as a restart or failover would. */
async function terminateOthers(applicationName: string): Promise<number> {
  const admin = new pg.Client({ connectionString: database.url });
  admin.on("error", () => {});
  await admin.connect();
  try {
    const { rows } = await admin.query(
      "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = $1 and pid <> pg_backend_pid()",
      [applicationName],
    );
    return rows.length;
  } finally {
    await admin.end();
  }
}

/** A connection string that names its connections, to find them in pg_stat_activity. */
const named = (applicationName: string) => `${database.url}?application_name=${applicationName}`;

async function waitFor(condition: () => boolean, limitMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > limitMs) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("createPostgresDatabase survives dead pooled connections", () => {
  test("idle connections ended by the server are reported to onError, not thrown, and the pool reconnects", async () => {
    const errors: unknown[] = [];
    const { db } = createPostgresDatabase({ connectionString: named("pool-under-test"), onError: (error) => errors.push(error) });
    opened.push(db);
    // Three connections in the pool, all idle afterwards.
    await Promise.all([1, 2, 3].map(() => sql`select pg_sleep(0.05)`.execute(db)));
    expect(await terminateOthers("pool-under-test")).toBe(3);
    await waitFor(() => errors.length === 3);
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db);
    expect(rows).toEqual([{ one: 1 }]);
  });

  test("a connection ended while checked out (inside a transaction) fails that transaction only", async () => {
    const errors: unknown[] = [];
    const { db } = createPostgresDatabase({ connectionString: named("pool-in-tx"), onError: (error) => errors.push(error) });
    opened.push(db);
    const failed = db
      .transaction()
      .execute(async (tx) => {
        await sql`select 1`.execute(tx);
        await terminateOthers("pool-in-tx");
        await waitFor(() => errors.length >= 1);
        await sql`select 2`.execute(tx);
      })
      .then(
        () => "committed",
        () => "failed",
      );
    expect(await failed).toBe("failed");
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db);
    expect(rows).toEqual([{ one: 1 }]);
  });

  test("without onError the pool still does not throw", async () => {
    const { db } = createPostgresDatabase({ connectionString: named("pool-silent") });
    opened.push(db);
    await sql`select 1`.execute(db);
    expect(await terminateOthers("pool-silent")).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db);
    expect(rows).toEqual([{ one: 1 }]);
  });
});
