// @org/outbox-publisher as a user imports it (ESM): the ordered feed against a real PostgreSQL.
import assert from "node:assert/strict";
import { migrate as migrateEvents, recordEvent } from "@org/events";
import { createEventPublisher, migrate } from "@org/outbox-publisher";

import { withScratchDatabase } from "./scratch-database.mjs";

await withScratchDatabase(async (db) => {
  await migrateEvents(db);
  await migrate(db);
  const id = await recordEvent(db, "payment", "pay_1", "payment.created", { paymentId: "pay_1", amount: "1.00", currency: "USD" });
  const publisher = createEventPublisher(db, { pollIntervalMs: 20 });
  const handled = new Promise((resolve) => publisher.onEvent((event) => resolve(event.id)));
  await publisher.start();
  assert.equal(await handled, id);
  await publisher.stop();
  console.log("  import @org/outbox-publisher: ok");
});
