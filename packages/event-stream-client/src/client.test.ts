import fc from "fast-check";
import type { PlatformCatalog, WireEvents } from "@org/events";
import { afterEach, describe, expect, expectTypeOf, test } from "vitest";
import { createEventStreamClient, type EventStreamClient } from "./client.js";
import { isEventStreamError } from "./errors.js";
import { startSseServer, until, type SseServer } from "./test-support/sse-server.js";
import type { StreamEvent, StreamReset } from "./types.js";

type Events = { "order.placed": { order_id: string; total: string }; "order.cancelled": { order_id: string } };

const servers: SseServer[] = [];
const clients: EventStreamClient<any>[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const server of servers.splice(0)) await server.close();
});

async function serve(answer?: Parameters<typeof startSseServer>[0]) {
  const server = await startSseServer(answer);
  servers.push(server);
  return server;
}

function connect<E extends Record<string, unknown> = Events>(...args: Parameters<typeof createEventStreamClient>) {
  const client = createEventStreamClient<E>(...args);
  clients.push(client);
  return client;
}

/** The client under test never waits long between connections. */
const fast = { initialRetryMs: 20, maxRetryMs: 100 };

describe("createEventStreamClient in Node", () => {
  test("hands typed events to their handlers, sends the caller's headers, ignores unknown types", async () => {
    const server = await serve();
    const client = connect(server.url, { headers: { Authorization: "Bearer k1" } });
    const placed: StreamEvent<"order.placed", Events["order.placed"]>[] = [];
    const off = client.on("order.placed", (event) => void placed.push(event));
    expect(client.status).toBe("connecting");
    const request = await server.request(1);
    expect(request.headers.authorization).toBe("Bearer k1");
    expect(request.headers.accept).toBe("text/event-stream");
    expect(request.headers["last-event-id"]).toBeUndefined();
    await until(() => client.status === "open");
    request.write('event: order.placed\nid: e1\ndata: {"order_id":"o1","total":"9.90"}\n\n');
    request.write('event: order.shipped\nid: e2\ndata: {"order_id":"o1"}\n\n');
    request.write('event: order.placed\nid: e3\ndata: {"order_id":"o2",\ndata: "total":"1.00"}\n\n');
    await until(() => placed.length === 2 && client.lastEventId === "e3");
    expect(placed).toEqual([
      { type: "order.placed", id: "e1", payload: { order_id: "o1", total: "9.90" } },
      { type: "order.placed", id: "e3", payload: { order_id: "o2", total: "1.00" } },
    ]);
    off();
    request.write('event: order.placed\nid: e4\ndata: {"order_id":"o3","total":"2"}\n\n');
    await until(() => client.lastEventId === "e4");
    expect(placed).toHaveLength(2);
    client.close();
    expect(client.status).toBe("closed");
  });

  test("is typed by the catalog's wire events: payload fields are checked, an unknown type does not compile", () => {
    const typed = (client: EventStreamClient<WireEvents<PlatformCatalog>>) => {
      client.on("settlement.confirmation_progress", (e) => {
        expectTypeOf(e.payload.confirmations).toEqualTypeOf<number>();
        expectTypeOf(e.payload.settlement_id).toEqualTypeOf<string>();
        // @ts-expect-error the wire is snake_case: there is no camelCase field
        void e.payload.settlementId;
      });
      // @ts-expect-error not an event type of the catalog
      client.on("settlement.exploded", () => {});
    };
    expect(typed).toBeTypeOf("function");
  });

  test("resumes with Last-Event-ID after every drop, waiting at least the server's retry:", async () => {
    const server = await serve();
    const client = connect(server.url, fast);
    const ids: string[] = [];
    client.on("order.cancelled", (event) => void ids.push(event.id!));
    const first = await server.request(1);
    first.write("retry: 150\n\n");
    first.write('event: order.cancelled\nid: a1\ndata: {"order_id":"o1"}\n\n');
    await until(() => ids.length === 1);
    const dropped = Date.now();
    first.end();
    await until(() => client.status === "reconnecting");
    const second = await server.request(2);
    expect(Date.now() - dropped).toBeGreaterThanOrEqual(140);
    expect(second.headers["last-event-id"]).toBe("a1");
    second.write('event: order.cancelled\nid: a2\ndata: {"order_id":"o2"}\n\n');
    await until(() => ids.length === 2);
    second.response.destroy();
    const third = await server.request(3);
    expect(third.headers["last-event-id"]).toBe("a2");
    expect(isEventStreamError(client.lastError, "network") || isEventStreamError(client.lastError, "stream_ended")).toBe(true);
  });

  test("drops an event whose id it has just seen", async () => {
    const server = await serve();
    const client = connect(server.url);
    const ids: string[] = [];
    client.on("order.cancelled", (event) => void ids.push(event.id!));
    const request = await server.request(1);
    for (const id of ["x1", "x2", "x1", "x3", "x2"]) request.write(`event: order.cancelled\nid: ${id}\ndata: {"order_id":"o"}\n\n`);
    request.write('event: order.cancelled\nid: x4\ndata: {"order_id":"o"}\n\n');
    await until(() => ids.includes("x4"));
    expect(ids).toEqual(["x1", "x2", "x3", "x4"]);
  });

  test("a reset reaches onReset with the id it could not resume after, and the next connection starts afresh", async () => {
    const server = await serve();
    const client = connect(server.url, { ...fast, lastEventId: "gone" });
    const resets: StreamReset[] = [];
    client.onReset((reset) => void resets.push(reset));
    const first = await server.request(1);
    expect(first.headers["last-event-id"]).toBe("gone");
    first.write('event: reset\nid:\ndata: {"reason":"unknown_last_event_id"}\n\n');
    await until(() => resets.length === 1);
    expect(resets).toEqual([{ reason: "unknown_last_event_id", lastEventId: "gone" }]);
    expect(client.lastEventId).toBeUndefined();
    first.end();
    const second = await server.request(2);
    expect(second.headers["last-event-id"]).toBeUndefined();
  });

  test("after a 401 it asks getHeaders for a fresh credential and reconnects at once; a second 401 closes it", async () => {
    const server = await serve((request) => (request.headers.authorization === "Bearer fresh" ? "stream" : 401));
    const calls: boolean[] = [];
    const client = connect(server.url, {
      initialRetryMs: 60_000,
      maxRetryMs: 60_000,
      getHeaders: ({ refresh }) => {
        calls.push(refresh);
        return { Authorization: refresh ? "Bearer fresh" : "Bearer stale" };
      },
    });
    await until(() => client.status === "open");
    expect(calls).toEqual([false, true]);
    expect(isEventStreamError(client.lastError, "unauthorized")).toBe(true);

    const refused = await serve(() => 401);
    const stuck = connect(refused.url, { initialRetryMs: 10, maxRetryMs: 10, getHeaders: async () => ({ Authorization: "Bearer revoked" }) });
    await until(() => stuck.status === "closed");
    expect(refused.requests).toHaveLength(2);
    expect(isEventStreamError(stuck.lastError, "unauthorized")).toBe(true);
    expect(stuck.lastError?.status).toBe(401);
  });

  test("retries 503 and network errors, stops on 404 and on a body that is not an event stream", async () => {
    const server = await serve((_request, index) => (index < 2 ? 503 : "stream"));
    const client = connect(server.url, fast);
    await until(() => client.status === "open");
    expect(server.requests).toHaveLength(3);
    expect(client.lastError?.status).toBe(503);

    const missing = await serve(() => 404);
    const gone = connect(missing.url, fast);
    await until(() => gone.status === "closed");
    expect(gone.lastError?.code).toBe("http_status");
    expect(missing.requests).toHaveLength(1);

    const dead = await serve();
    const deadUrl = dead.url;
    await dead.close();
    servers.splice(servers.indexOf(dead), 1);
    const unreachable = connect(deadUrl, fast);
    await until(() => unreachable.lastError?.code === "network");
    expect(unreachable.status === "connecting" || unreachable.status === "reconnecting").toBe(true);
  });

  test("data that is not JSON is skipped with a bad_data error; the stream goes on", async () => {
    const server = await serve();
    const client = connect(server.url);
    const ids: string[] = [];
    client.on("order.cancelled", (event) => void ids.push(event.id!));
    const request = await server.request(1);
    request.write("event: order.cancelled\nid: b1\ndata: {not json\n\n");
    request.write('event: order.cancelled\nid: b2\ndata: {"order_id":"o"}\n\n');
    await until(() => ids.length === 1);
    expect(ids).toEqual(["b2"]);
    expect(client.lastError?.code).toBe("bad_data");
    expect(client.status).toBe("open");
  });

  test("any split of the byte stream into chunks gives the same events", async () => {
    const server = await serve();
    const frames = Array.from({ length: 12 }, (_, i) => `event: order.placed\nid: p${i}\ndata: {"order_id":"ö${i}","total":"${i}.5"}\n\n`);
    const bytes = new TextEncoder().encode(`retry: 5000\n:comment\n\n${frames.join("")}`);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 20 }), async (cuts) => {
        run += 1;
        const client = connect(server.url, { dedupeWindow: 0 });
        const got: string[] = [];
        client.on("order.placed", (event) => void got.push(`${event.id}:${event.payload.order_id}`));
        const request = await server.request(run);
        const points = [0, ...cuts.sort((a, b) => a - b), bytes.length];
        for (let i = 1; i < points.length; i++) request.response.write(bytes.subarray(points[i - 1], points[i]));
        await until(() => got.length === 12);
        expect(got).toEqual(frames.map((_, i) => `p${i}:ö${i}`));
        client.close();
      }),
      { numRuns: 25 },
    );
  });

  test("refuses contradictory options", () => {
    expect(() => createEventStreamClient("http://x/", { headers: {}, getHeaders: () => ({}) })).toThrow(
      expect.objectContaining({ name: "EventStreamError", code: "invalid_options" }),
    );
    expect(() => createEventStreamClient("http://x/", { initialRetryMs: 5000, maxRetryMs: 100 })).toThrow(/initialRetryMs/);
    expect(() => createEventStreamClient("http://x/", { dedupeWindow: -1 })).toThrow(/dedupeWindow/);
  });
});
