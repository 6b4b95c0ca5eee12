// A scratch PostgreSQL database for one smoke script, dropped afterwards.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { createPostgresDatabase } from "@org/events/pg";

export async function withScratchDatabase(run) {
  const base = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const name = `smoke_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const { db } = createPostgresDatabase({ connectionString: url.toString() });
  try {
    await run(db);
  } finally {
    await db.destroy();
    await admin.query(`drop database ${name}`);
    await admin.end();
  }
}
