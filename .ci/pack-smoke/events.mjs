// @org/events as a user imports it (ESM), against a real PostgreSQL.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { createEventStore, defineEventCatalog, migrate, platformCatalog, recordEvent, ValidationError } from "@org/events";
import { createPostgresDatabase } from "@org/events/pg";
import { z } from "zod";

const base = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const name = `smoke_${randomBytes(4).toString("hex")}`;
const admin = new pg.Client({ connectionString: base });
await admin.connect();
await admin.query(`create database ${name}`);
const url = new URL(base);
url.pathname = `/${name}`;
const { db } = createPostgresDatabase({ connectionString: url.toString() });
try {
  await migrate(db);
  const id = await db.transaction().execute((tx) =>
    recordEvent(tx, "payment", "pay_1", "payment.created", { paymentId: "pay_1", amount: "10.00", currency: "USD" }),
  );
  const event = await createEventStore(db).getEvent(id);
  assert.equal(event.eventType, "payment.created");
  assert.equal(event.aggregateVersion, 1);
  assert.throws(() => platformCatalog.parse("payment.created", { paymentId: "p" }), ValidationError);
  const catalog = defineEventCatalog({ "x.y": z.object({ n: z.number() }) });
  assert.deepEqual(catalog.parse("x.y", { n: 1 }), { n: 1 });
  console.log("  import @org/events: ok");
} finally {
  await db.destroy();
  await admin.query(`drop database ${name}`);
  await admin.end();
}
