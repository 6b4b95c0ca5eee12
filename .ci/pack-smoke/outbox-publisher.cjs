// @org/outbox-publisher as a CommonJS user requires it.
const assert = require("node:assert/strict");
const outbox = require("@org/outbox-publisher");

for (const name of ["createEventPublisher", "createEventWorker", "createDeadLetterQueue", "replayEvents", "deleteOldEvents", "migrate", "notifyEventsCommitted"]) {
  assert.equal(typeof outbox[name], "function", name);
}
for (const internal of ["resolveTables", "FEED_GROUP", "seededRandom", "backoffDelay", "resolveRetryPolicy", "outboxMigrations"]) {
  assert.equal(outbox[internal], undefined, `${internal} is internal`);
}
console.log("  require @org/outbox-publisher: ok");
