// @org/outbox-publisher as a CommonJS user requires it.
const assert = require("node:assert/strict");
const outbox = require("@org/outbox-publisher");

for (const name of ["createEventPublisher", "createEventWorker", "createDeadLetterQueue", "replayEvents", "deleteOldEvents", "migrate", "notifyEventsCommitted"]) {
  assert.equal(typeof outbox[name], "function", name);
}
const policy = outbox.resolveRetryPolicy({ jitter: 0 });
assert.equal(outbox.backoffDelay(policy, 1), 1000);
assert.equal(outbox.backoffDelay(policy, 2), 2000);
console.log("  require @org/outbox-publisher: ok");
