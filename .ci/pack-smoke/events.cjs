// @org/events as a CommonJS user requires it.
const assert = require("node:assert/strict");
const events = require("@org/events");
const { createPostgresDatabase } = require("@org/events/pg");
const { z } = require("zod");

assert.equal(typeof events.recordEvent, "function");
assert.equal(typeof events.migrate, "function");
assert.equal(typeof createPostgresDatabase, "function");
assert.match(events.newEventId(), /^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
const bus = new events.InMemoryEventBus();
let seen = 0;
bus.subscribe("payment.*", () => void seen++);
const catalog = events.defineEventCatalog({ "x.y": z.object({ n: z.number() }) });
assert.throws(() => catalog.parse("x.y", { n: "1" }), (error) => error.code === "validation_failed" && error.field === "payload.n");
bus.publish({ id: "evt_1", eventType: "payment.created" }).then(() => {
  assert.equal(seen, 1);
  console.log("  require @org/events: ok");
});
