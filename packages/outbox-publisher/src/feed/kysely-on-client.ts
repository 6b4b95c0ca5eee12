import { Kysely, PostgresDialect } from "kysely";
import type pg from "pg";

/**
 * A Kysely instance whose every query runs on one given `pg.Client` (a
 * "pool" of exactly that client), so queries share its session: its
 * advisory locks, and its fate when the connection dies.
 */
export function kyselyOnClient(client: pg.Client): Kysely<any> {
  const connection = { query: client.query.bind(client), release: () => {} };
  const pool = {
    connect: async () => connection,
    end: async () => {},
  };
  return new Kysely({ dialect: new PostgresDialect({ pool: pool as never }) });
}
