import { randomBytes } from "node:crypto";
import pg from "pg";

export const BASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function admin(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: BASE_URL });
  await client.connect();
  await client.query(text).finally(() => client.end());
}

/**
 * A database of its own on DATABASE_URL's server; `drop()` removes it.
 * `drop()` tries a plain DROP first: a pool's `end()` resolves before its
 * connections have closed, and DROP … WITH (FORCE) would end those with a
 * FATAL error the process can still receive (an uncaught error that failed
 * the run); a plain DROP waits up to 5 s for them to go. FORCE only if they
 * do not.
 */
export async function createScratchDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}_${randomBytes(4).toString("hex")}`;
  await admin(`create database "${name}"`);
  const url = Object.assign(new URL(BASE_URL), { pathname: `/${name}` }).toString();
  return { url, drop: () => admin(`drop database if exists "${name}"`).catch(() => admin(`drop database if exists "${name}" with (force)`)) };
}
