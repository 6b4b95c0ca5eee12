import { useTestDatabase } from "@org/test-harness";
import { beforeAll, beforeEach, expect, test } from "vitest";
import { resetOutbox, setUpOutbox, waitFor, writeEvents } from "../test-support/fixtures.js";
import { createEventWorker } from "./event-worker.js";

const database = useTestDatabase();
beforeAll(async () => setUpOutbox(database.db));
beforeEach(async () => resetOutbox(database.db));

test("a failing head of one tenant's aggregate does not hold another tenant's aggregate of the same id", async () => {
  const [poisonId] = await writeEvents(database.db, 1, { prefix: "shared", eventType: "poison.pill", tenantId: "acme" });
  const [behindId] = await writeEvents(database.db, 1, { prefix: "shared", tenantId: "acme" });
  const others = await writeEvents(database.db, 3, { prefix: "shared", tenantId: "globex" });
  const handled: string[] = [];
  const failures: string[] = [];
  const worker = createEventWorker(database.db, {
    group: "tenants",
    pollIntervalMs: 10,
    retry: { initialDelayMs: 60_000, maxAttempts: 10 },
    async handler(event) {
      if (event.eventType === "poison.pill") {
        failures.push(event.id);
        throw new Error("poisoned");
      }
      handled.push(event.id);
    },
  });
  await worker.start();
  try {
    await waitFor(() => failures.length > 0, 20_000, "the poison's first attempt");
    await waitFor(() => handled.length >= others.length, 10_000, "the other tenant's events");
  } finally {
    await worker.stop();
  }
  expect(handled).toEqual(others);
  expect(failures).toEqual([poisonId]);
  expect(handled).not.toContain(behindId);
});

test("a group of one tenant queues only that tenant's events, in order, and its checkpoint passes the others", async () => {
  const mixed: { id: string; tenant: string }[] = [];
  for (let round = 0; round < 5; round++) {
    for (const tenant of ["acme", "globex"]) {
      for (const id of await writeEvents(database.db, 2, { prefix: `${tenant}-${round}`, tenantId: tenant })) mixed.push({ id, tenant });
    }
  }
  const handled: string[] = [];
  const tenantsSeen = new Set<string>();
  const worker = createEventWorker(database.db, {
    group: "acme-only",
    tenantId: "acme",
    pollIntervalMs: 10,
    concurrency: 1,
    handler(event) {
      tenantsSeen.add(event.tenantId);
      handled.push(event.id);
    },
  });
  await worker.start();
  try {
    await waitFor(() => handled.length >= 10, 20_000, "acme's events");
    await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    await worker.stop();
  }
  expect(handled).toEqual(mixed.filter((event) => event.tenant === "acme").map((event) => event.id));
  expect([...tenantsSeen]).toEqual(["acme"]);
  expect(worker.getStats().delivered).toBe(10);
});

test("an empty tenant id is refused", () => {
  expect(() => createEventWorker(database.db, { group: "g", tenantId: "", handler() {} })).toThrow(/tenantId must be a non-empty string/);
});
