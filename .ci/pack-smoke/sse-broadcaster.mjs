// @org/sse-broadcaster as a user imports it (ESM): clients, broadcast and cleanup on a WritableStream.
import assert from "node:assert/strict";
import { createSSEBroadcaster, formatSSEMessage } from "@org/sse-broadcaster";
import { sseHandler } from "@org/sse-broadcaster/hono";

const chunks = [];
const stream = new WritableStream({ write: (chunk) => void chunks.push(new TextDecoder().decode(chunk)) });
const broadcaster = createSSEBroadcaster({ heartbeatIntervalMs: 0 });
broadcaster.addClient("c1", stream);
assert.equal(broadcaster.getClientCount(), 1);
broadcaster.broadcast({ id: "evt_1", eventType: "settlement.created", payload: { settlement_id: "stl_1" } });
await broadcaster.close();
assert.equal(broadcaster.getClientCount(), 0);
assert.ok(chunks.join("").includes('event: settlement.created\nid: evt_1\ndata: {"settlement_id":"stl_1"}\n\n'), chunks.join(""));
assert.equal(formatSSEMessage({ event: "a", data: "x\ny" }), "event: a\ndata: x\ndata: y\n\n");
assert.equal(typeof sseHandler, "function");
console.log("  import @org/sse-broadcaster: ok");
