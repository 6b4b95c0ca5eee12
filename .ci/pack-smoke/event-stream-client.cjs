// @org/event-stream-client as a CommonJS user requires it.
const assert = require("node:assert/strict");
const { createEventStreamClient, EventStreamError, reconnectDelay } = require("@org/event-stream-client");
const { EventStreamProvider, useEventStream } = require("@org/event-stream-client/react");

assert.equal(typeof createEventStreamClient, "function");
assert.throws(() => createEventStreamClient("http://x/", { initialRetryMs: 10, maxRetryMs: 1 }), (error) => error instanceof EventStreamError && error.code === "invalid_options");
assert.equal(reconnectDelay({ attempt: 2, initialMs: 100, maxMs: 1000, serverRetryMs: undefined, random: 0.5 }), 200);
assert.equal(typeof EventStreamProvider, "function");
assert.equal(typeof useEventStream, "function");
console.log("  require @org/event-stream-client: ok");
