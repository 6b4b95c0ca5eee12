/**
 * @org/events in one screen, on embedded PGlite (no server needed):
 *   pnpm --filter @org/events example
 */
import { sql } from "kysely";
import { createEventStore, defineProjection, InMemoryEventBus, migrate, platformCatalog, reconstruct, recordEvent } from "@org/events";
import { createPgliteDatabase } from "@org/events/pglite";

const { db } = await createPgliteDatabase();
await migrate(db);
await sql`create table settlements (id text primary key, status text not null)`.execute(db);

const settlementId = "stl_example";
await db.transaction().execute(async (tx) => {
  await tx.insertInto("settlements").values({ id: settlementId, status: "pending" }).execute();
  await recordEvent(tx, "settlement", settlementId, "settlement.created", { settlementId, network: "polygon", amount: "125.50" });
});
await db.transaction().execute(async (tx) => {
  await tx.updateTable("settlements").set({ status: "submitted" }).where("id", "=", settlementId).execute();
  await recordEvent(tx, "settlement", settlementId, "settlement.status_changed", {
    settlementId,
    fromStatus: "pending",
    toStatus: "submitted",
    network: "polygon",
  });
});

const store = createEventStore(db);
const bus = new InMemoryEventBus();
bus.subscribe("settlement.*", (event) => console.log(`bus  ${event.id}  ${event.eventType}  v${event.aggregateVersion}`));
const page = await store.readAfter(null);
for (const event of page.events) await bus.publish(event);

const status = defineProjection(platformCatalog, {
  initialState: () => ({ status: "none" }),
  on: {
    "settlement.created": () => ({ status: "pending" }),
    "settlement.status_changed": (_, event) => ({ status: event.payload.toStatus }),
  },
});
const rebuilt = reconstruct(await store.getAggregateEvents("settlement", settlementId), status);
const stored = await db.selectFrom("settlements").select("status").where("id", "=", settlementId).executeTakeFirstOrThrow();
console.log(`rebuilt from ${rebuilt.eventCount} events: ${rebuilt.state.status}; stored row: ${stored.status}`);
await db.destroy();
