import { registerWorkerGroup } from "@org/outbox-publisher";
import { useTestDatabase } from "@org/test-harness";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadConfig } from "../config.js";
import { startServer, type RunningServer } from "../server.js";
import { startReceiver, waitUntil, type Receiver } from "../test-support/webhook-receiver.js";

const database = useTestDatabase();
const KEY = "key-retention-tenant-0001";
let server: RunningServer;
let failing: Receiver;
const logs: string[] = [];

beforeAll(async () => {
  failing = await startReceiver(() => 500);
  server = await startServer(
    loadConfig({
      DATABASE_URL: database.url,
      PORT: "0",
      HOST: "127.0.0.1",
      API_KEYS: `acme:${KEY}`,
      PUBLISHER_POLL_INTERVAL_MS: "50",
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: "true",
      WEBHOOK_MAX_ATTEMPTS: "1",
      WEBHOOK_TIMEOUT_MS: "500",
      EVENT_RETENTION_DAYS: "7",
      EVENT_RETENTION_INTERVAL_MS: "200",
      RATE_LIMIT_PER_MINUTE: "0",
    }),
    (line) => logs.push(line),
  );
});

afterAll(async () => {
  await server?.shutdown();
  await failing?.close();
});

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: response.status === 204 ? undefined : ((await response.json()) as any) };
}

async function eventIds(aggregateId: string): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`select id from domain_events where aggregate_id = ${aggregateId} order by aggregate_version`.execute(database.db);
  return rows.map((row) => row.id);
}

describe("retention in the service", () => {
  test("the relaying instance deletes old events on its schedule, keeping a dead letter and an event a consumer has not reached", async () => {
    expect((await call("POST", "/api/v1/webhooks", { url: failing.url, types: ["payment.*"] })).status).toBe(201);
    const settle = async () => {
      const id = (await call("POST", "/api/v1/settlements", { amount: "1.00", currency: "USD" })).body.id as string;
      expect((await call("POST", `/api/v1/settlements/${id}/fail`, { error: "reverted" })).status).toBe(200);
      return id;
    };
    const done = await settle();
    const paymentId = (await call("POST", "/api/v1/payments", { amount: "2.00", currency: "USD" })).body.id as string;
    await waitUntil(async () => (await call("GET", "/api/v1/dead-letters")).body.items.length === 1, 20_000, "the payment's dead letter");
    // a consumer that has not got this far yet: a group registered now, with no worker running
    await registerWorkerGroup(database.db, { group: "audit" });
    const unconsumed = await settle();
    await waitUntil(async () => {
      const { rows } = await sql<{ n: string }>`select count(*) as n from domain_events where published_at is null`.execute(database.db);
      return Number(rows[0]!.n) === 0;
    }, 20_000, "the relay to publish everything");

    const doneEvents = await eventIds(done);
    const [paymentEvent] = await eventIds(paymentId);
    const unconsumedEvents = await eventIds(unconsumed);
    await sql`update domain_events set created_at = now() - interval '8 days'`.execute(database.db);

    // retention deletes the oldest part of the log up to the first event a consumer still needs
    await waitUntil(async () => (await eventIds(done)).length === 0, 20_000, "the scheduled retention run");
    expect(doneEvents.length).toBeGreaterThan(1);
    expect(await eventIds(paymentId)).toEqual([paymentEvent]); // its dead letter still needs it
    expect(await eventIds(unconsumed)).toEqual(unconsumedEvents); // "audit" has not passed them
    expect((await call("GET", "/api/v1/dead-letters")).body.items[0].event.id).toBe(paymentEvent);
    expect(logs.some((line) => /^retention: deleted \d+ events older than 7 days$/.test(line))).toBe(true);
  });
});
