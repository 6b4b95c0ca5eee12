// @org/outbox-publisher as a user imports it (ESM): seed 000's loop against a real PostgreSQL.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { migrate as migrateEvents, recordEvent } from "@org/events";
import { createPostgresDatabase } from "@org/events/pg";
import { createEventPublisher, migrate } from "@org/outbox-publisher";

const base = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const name = `smoke_${randomBytes(4).toString("hex")}`;
const admin = new pg.Client({ connectionString: base });
await admin.connect();
await admin.query(`create database ${name}`);
const url = new URL(base);
url.pathname = `/${name}`;
const { db } = createPostgresDatabase({ connectionString: url.toString() });
try {
  await migrateEvents(db);
  await migrate(db);
  const id = await recordEvent(db, "payment", "pay_1", "payment.created", { paymentId: "pay_1", amount: "1.00", currency: "USD" });
  const publisher = createEventPublisher(db, { pollIntervalMs: 20 });
  const handled = new Promise((resolve) => publisher.onEvent((event) => resolve(event.id)));
  await publisher.start();
  assert.equal(await handled, id);
  await publisher.stop();
  console.log("  import @org/outbox-publisher: ok");
} finally {
  await db.destroy();
  await admin.query(`drop database ${name}`);
  await admin.end();
}
