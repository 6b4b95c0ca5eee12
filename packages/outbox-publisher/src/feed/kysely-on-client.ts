import { Kysely, PostgresDialect, type PostgresCursor, type PostgresPool, type PostgresPoolClient, type PostgresQueryResult } from "kysely";
import type pg from "pg";

/**
 * A Kysely instance whose every query runs on one given `pg.Client` (a
 * "pool" of exactly that client), so queries share its session: its
 * advisory locks, and its fate when the connection dies.
 */
export function kyselyOnClient(client: pg.Client): Kysely<any> {
  function query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  function query<R>(sqlOrCursor: string | PostgresCursor<R>, parameters?: ReadonlyArray<unknown>) {
    if (typeof sqlOrCursor !== "string") return client.query(sqlOrCursor as unknown as pg.Submittable) as unknown as PostgresCursor<R>;
    // pg types `command` as any string; Kysely's result type lists the commands it reads.
    return client.query(sqlOrCursor, parameters ? [...parameters] : []) as unknown as Promise<PostgresQueryResult<R>>;
  }
  const connection: PostgresPoolClient = { query, release: () => {} };
  const pool: PostgresPool = { connect: async () => connection, end: async () => {} };
  return new Kysely({ dialect: new PostgresDialect({ pool }) });
}
