// @org/events as a user imports it (ESM), against a real PostgreSQL.
import assert from "node:assert/strict";
import { createEventStore, defineEventCatalog, migrate, platformCatalog, recordEvent, ValidationError } from "@org/events";
import { z } from "zod";
import { withScratchDatabase } from "./scratch-database.mjs";

await withScratchDatabase(async (db) => {
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
});
