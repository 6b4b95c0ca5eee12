// @org/event-stream-client as a user imports it (ESM), against a real node:http SSE server.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createEventStreamClient, isEventStreamError } from "@org/event-stream-client";
import { createEventStreamContext, useEventStream } from "@org/event-stream-client/react";

const server = createServer((req, res) => {
  res.writeHead(200, { "Content-Type": "text/event-stream" });
  res.end(`event: settlement.created\nid: evt_1\ndata: {"settlement_id":"stl_1","auth":"${req.headers.authorization}"}\n\n`);
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const client = createEventStreamClient(`http://127.0.0.1:${server.address().port}/`, { headers: { Authorization: "Bearer k" } });
const event = await new Promise((resolve) => client.on("settlement.created", resolve));
client.close();
server.close();
assert.deepEqual(event, { type: "settlement.created", id: "evt_1", payload: { settlement_id: "stl_1", auth: "Bearer k" } });
assert.equal(client.status, "closed");
assert.throws(() => createEventStreamClient("http://x/", { headers: {}, getHeaders: () => ({}) }), (error) => isEventStreamError(error, "invalid_options"));
assert.equal(typeof createEventStreamContext().EventStreamProvider, "function");
assert.equal(typeof useEventStream, "function");
console.log("  import @org/event-stream-client: ok");
