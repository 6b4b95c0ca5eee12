import pg from "pg";

/** The same server's maintenance database (`postgres`): a connection from which the app's database can be attacked. */
export function adminUrlOf(url: string): string {
  const parsed = new URL(url);
  parsed.pathname = "/postgres";
  return parsed.toString();
}

/** The database name of a connection string. */
export function databaseNameOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/**
 * Ends every backend connected to `databaseName` (what a restart, a
 * failover or a pooler's idle timeout does to the app's connections), from
 * a connection to another database. Resolves with how many were ended.
 */
export async function terminateDatabaseConnections(adminUrl: string, databaseName: string): Promise<number> {
  const client = new pg.Client({ connectionString: adminUrl });
  client.on("error", () => {});
  await client.connect();
  try {
    const { rows } = await client.query<{ ended: boolean }>(
      "select pg_terminate_backend(pid) as ended from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
      [databaseName],
    );
    return rows.filter((row) => row.ended).length;
  } finally {
    await client.end();
  }
}

/** Runs one statement on `url` with a short-lived connection. */
export async function queryOnce<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}
