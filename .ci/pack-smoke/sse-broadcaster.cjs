// @org/sse-broadcaster as a CommonJS user requires it.
const assert = require("node:assert/strict");
const { createSSEBroadcaster, formatSSEMessage, SSEError } = require("@org/sse-broadcaster");
const { attachSSE } = require("@org/sse-broadcaster/node");

assert.equal(typeof createSSEBroadcaster, "function");
assert.equal(typeof attachSSE, "function");
assert.throws(() => formatSSEMessage({ event: "bad\nname", data: "" }), (error) => error instanceof SSEError && error.code === "invalid_field");
console.log("  require @org/sse-broadcaster: ok");
