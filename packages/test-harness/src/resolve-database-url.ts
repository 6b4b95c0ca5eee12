import { execFile } from "node:child_process";
import pg from "pg";

const LOCAL_URL = "postgres://postgres@127.0.0.1:5432/postgres";
const PROBE_TIMEOUT_MS = 3_000;

/** What the harness tells a user whose machine offers no database at all. */
export const NO_DATABASE_MESSAGE =
  "No PostgreSQL for the tests: set DATABASE_URL, start a Docker engine (Testcontainers), or run PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth).";

/**
 * Finds the server the tests run against, in this order: DATABASE_URL, a
 * Testcontainers PostgreSQL when a Docker engine answers, the local server on
 * 127.0.0.1:5432. Fails within seconds, with one line that says what to do.
 */
export async function resolveDatabaseUrl({
  env = process.env,
  localUrl = LOCAL_URL,
  dockerCommand = "docker",
}: { env?: NodeJS.ProcessEnv; localUrl?: string; dockerCommand?: string } = {}): Promise<{ url: string; stop?: () => Promise<void> }> {
  const fromEnv = env.DATABASE_URL;
  if (fromEnv) return { url: fromEnv };
  if (await dockerAnswers(dockerCommand)) {
    const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
    const container = await new PostgreSqlContainer("postgres:15-alpine").start();
    return { url: container.getConnectionUri(), stop: async () => void (await container.stop()) };
  }
  if (await postgresAnswers(localUrl)) return { url: localUrl };
  throw new Error(NO_DATABASE_MESSAGE);
}

function dockerAnswers(command: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(command, ["info"], { timeout: PROBE_TIMEOUT_MS }, (error) => resolve(!error));
  });
}

async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}
