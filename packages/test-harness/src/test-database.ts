import { randomBytes } from "node:crypto";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, inject } from "vitest";
import "./provided-context.js";

/** A fresh database that belongs to one test file. */
export interface TestDatabase {
  /** Connection string of the fresh database. */
  readonly url: string;
  /** A Kysely instance on it (pool of `max` 10), closed by the harness. */
  readonly db: Kysely<any>;
  /** Another Kysely instance with its own pool, closed by the harness. */
  connect(options?: { max?: number }): Kysely<any>;
}

function databaseUrlWithName(baseUrl: string, name: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

function kyselyFor(url: string, max: number): Kysely<any> {
  const pool = new pg.Pool({ connectionString: url, max });
  // A test that terminates backends (fault tests) must not end the test process through an unheard `error` event.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  return new Kysely({ dialect: new PostgresDialect({ pool }) });
}

/**
 * Creates a database of its own for the calling test file before its tests
 * and drops it after them, so that files run in parallel.
 *
 * @example
 * const database = useTestDatabase();
 * test("writes", async () => { await database.db.selectFrom("t").execute(); });
 */
export function useTestDatabase(): TestDatabase {
  const baseUrl = inject("databaseUrl");
  const name = `test_${randomBytes(6).toString("hex")}`;
  const url = databaseUrlWithName(baseUrl, name);
  const opened: Kysely<any>[] = [];
  let main: Kysely<any> | undefined;

  const adminQuery = async (text: string) => {
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    await adminQuery(`create database "${name}"`);
    main = kyselyFor(url, 10);
    opened.push(main);
  });

  afterAll(async () => {
    await Promise.allSettled(opened.map((db) => db.destroy()));
    // pg's pool.end() resolves before its sockets close; a plain DROP waits
    // (up to 5 s) for those backends to exit, where FORCE would kill them
    // mid-goodbye. FORCE remains for a test that leaked a connection.
    await adminQuery(`drop database if exists "${name}"`).catch(() => adminQuery(`drop database if exists "${name}" with (force)`));
  });

  return {
    url,
    get db() {
      if (!main) throw new Error("useTestDatabase(): the database exists only inside tests and hooks");
      return main;
    },
    connect({ max = 10 } = {}) {
      const db = kyselyFor(url, max);
      opened.push(db);
      return db;
    },
  };
}
