import { afterEach, describe, expect, it } from "vitest";
import type { BroadcastEvent } from "../filter/filter.js";
import { startFixture, waitForCount, type Fixture } from "../test-support/sse-fixture.js";

const ALL_TYPES = ["settlement.created", "settlement.settled", "payment.created"];

/** The tests' stand-in for auth: the tenant comes from a header-like query, never mixed with the user's filter. */
const resolve = (url: URL) => ({
  filter: {
    tenantId: url.searchParams.get("tenant") ?? undefined,
    types: url.searchParams.getAll("type"),
    aggregateIds: url.searchParams.getAll("aggregate"),
  },
  key: url.searchParams.get("tenant") ?? undefined,
});

describe("delivery by filter and tenant", () => {
  let fixture: Fixture<BroadcastEvent>;
  afterEach(() => fixture.close());

  it("delivers by type pattern and aggregate id, and never another tenant's events", async () => {
    fixture = await startFixture({}, resolve);
    const settlementsT1 = await fixture.connect("/?tenant=t1&type=settlement.*", ALL_TYPES);
    const aggregateT1 = await fixture.connect("/?tenant=t1&aggregate=s2", ALL_TYPES);
    const allT2 = await fixture.connect("/?tenant=t2", ALL_TYPES);
    const admin = await fixture.connect("/", ALL_TYPES);

    const events: BroadcastEvent[] = [
      { id: "e1", eventType: "settlement.created", tenantId: "t1", aggregateId: "s1", payload: 1 },
      { id: "e2", eventType: "payment.created", tenantId: "t1", aggregateId: "s2", payload: 2 },
      { id: "e3", eventType: "settlement.settled", tenantId: "t2", aggregateId: "s2", payload: 3 },
      { id: "e4", eventType: "settlement.settled", tenantId: "t1", aggregateId: "s2", payload: 4 },
      { id: "e5", eventType: "settlement.created", aggregateId: "s2", payload: 5 }, // no tenant
    ];
    const counts = events.map((event) => fixture.broadcaster.broadcast(event));
    expect(counts).toEqual([2, 2, 2, 3, 1]);

    await waitForCount(admin.received, 5);
    await waitForCount(settlementsT1.received, 2);
    await waitForCount(aggregateT1.received, 2);
    await waitForCount(allT2.received, 1);
    // Everyone got everything they will get: the admin client saw the last event, sent after theirs.
    expect(settlementsT1.received.map((event) => event.id)).toEqual(["e1", "e4"]);
    expect(aggregateT1.received.map((event) => event.id)).toEqual(["e2", "e4"]);
    expect(allT2.received.map((event) => event.id)).toEqual(["e3"]);
    expect(admin.received.map((event) => event.id)).toEqual(["e1", "e2", "e3", "e4", "e5"]);
    expect(settlementsT1.received[0]).toEqual({ type: "settlement.created", data: "1", id: "e1" });
  });

  it("counts clients per filter in stats", async () => {
    fixture = await startFixture({}, resolve);
    await fixture.connect("/?tenant=t1&type=settlement.*");
    await fixture.connect("/?tenant=t1&type=settlement.*");
    await fixture.connect("/");
    expect(fixture.broadcaster.getStats().clientsByFilter).toEqual({ "tenant=t1 types=settlement.*": 2, "*": 1 });
  });

  it("refuses connections over the overall and per-key limits", async () => {
    fixture = await startFixture({ maxClients: 3, maxClientsPerKey: 2 }, resolve);
    await fixture.connect("/?tenant=t1");
    await fixture.connect("/?tenant=t1");
    const perKey = await fetch(`${fixture.server.url}/?tenant=t1`);
    expect(perKey.status).toBe(503);
    expect(await perKey.json()).toEqual({ error: { code: "too_many_clients" } });
    await fixture.connect("/?tenant=t2");
    const overall = await fetch(`${fixture.server.url}/?tenant=t3`);
    expect(overall.status).toBe(503);
    await overall.body?.cancel();
    expect(fixture.broadcaster.getStats()).toMatchObject({ clients: 3, rejectedConnections: 2 });
  });

  it("refuses a second client with the same id", async () => {
    fixture = await startFixture({}, () => ({ clientId: "same" }));
    await fixture.connect("/");
    const second = await fetch(`${fixture.server.url}/`);
    expect(second.status).toBe(409);
    expect(fixture.broadcaster.getClientCount()).toBe(1);
  });
});
