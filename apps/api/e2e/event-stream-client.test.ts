import { useTestDatabase } from "@org/test-harness";
import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { openFixture } from "./support/browser-fixture.js";
import { httpClient } from "./support/http.js";
import { useServerAndBrowser } from "./support/server-and-browser.js";
import { spawnServer } from "./support/spawn-server.js";

/**
 * @org/event-stream-client in headless Chromium against the real apps/api
 * process (spawned like `pnpm start`), through e2e/browser/fixture.ts.
 */
const database = useTestDatabase();
const KEY = "client-e2e-key-0123456789";
const env = {
  DATABASE_URL: database.url,
  API_KEYS: `acme:${KEY}`,
  PUBLISHER_POLL_INTERVAL_MS: "200",
  STREAM_TOKEN_SECRET: "client-e2e-secret-0123456789",
};
const session = useServerAndBrowser(env);
const api = (method: string, path: string, body?: unknown) => httpClient(session.server.url, KEY)(method, path, body);

/** Stops the server (SIGTERM, or SIGKILL for a crash) and starts it again on the same port and database. */
async function restart(signal: NodeJS.Signals, extraEnv: Record<string, string> = {}, beforeStart?: () => Promise<void>) {
  const port = new URL(session.server.url).port;
  await session.server.stop(signal);
  await beforeStart?.();
  session.server = await spawnServer({ ...env, ...extraEnv, PORT: port });
}

async function createSettlement(requiredConfirmations = 100): Promise<string> {
  const created = await api("POST", "/api/v1/settlements", { amount: "10.00", currency: "USD", required_confirmations: requiredConfirmations });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  expect((await api("POST", `/api/v1/settlements/${id}/submit`, { tx_hash: `0x${id.slice(-8)}` })).status).toBe(200);
  return id;
}

const confirm = (id: string, confirmations: number) => api("POST", `/api/v1/settlements/${id}/confirmations`, { confirmations });

/** `type id settlement_id` of every event of these settlements in the store, in log order. */
async function storedEvents(ids: string[]): Promise<string[]> {
  const lines: string[] = [];
  for (const id of ids) {
    const { body } = await api("GET", `/api/v1/settlements/${id}/events`);
    for (const event of body.data as Array<{ id: string; type: string }>) lines.push(`${event.type} ${event.id} ${id}`);
  }
  return lines;
}

const seen = (page: Page) => page.evaluate(() => structuredClone(window.fx.record));

// Bounds, not expectations: a long transaction elsewhere on the test server can hold the feed back.
describe("@org/event-stream-client in Chromium", { timeout: 240_000 }, () => {
  test("receives the typed events of a settlement, sending the API key as a header", async () => {
    const page = await openFixture(session.browser, session.server.url);
    page.setDefaultTimeout(45_000);
    await page.evaluate((apiKey) => window.fx.start({ apiKey, auth: "header" }), KEY);
    await page.waitForFunction(() => window.fx.status() === "open");
    const id = await createSettlement(3);
    for (const n of [1, 2, 3]) await confirm(id, n);
    await page.waitForFunction(() => window.fx.record.progress.length === 3);
    const record = await seen(page);
    expect(record.progress).toEqual(["1 / 3", "2 / 3", "3 / 3"]);
    expect(record.events).toEqual(await storedEvents([id]));
    expect(record.headerCalls).toEqual([false]);
    expect(await page.evaluate(() => window.fx.lastEventId())).toBe(record.events.at(-1)!.split(" ")[1]);
    await page.close();
  });

  test("a server killed and restarted in the middle of a burst: the client ends with every event exactly once", async () => {
    const page = await openFixture(session.browser, session.server.url);
    page.setDefaultTimeout(60_000);
    await page.evaluate((apiKey) => window.fx.start({ apiKey, auth: "header" }), KEY);
    await page.waitForFunction(() => window.fx.status() === "open");
    const ids = [await createSettlement(), await createSettlement()];
    for (let n = 1; n <= 10; n++) await Promise.all(ids.map((id) => confirm(id, n)));
    // The burst goes on while the process dies: some of these commit, some never reach it.
    const inFlight = ids.flatMap((id) => [11, 12, 13, 14, 15].map((n) => confirm(id, n).catch(() => undefined)));
    await restart("SIGKILL");
    await Promise.all(inFlight);
    for (let n = 16; n <= 25; n++) await Promise.all(ids.map((id) => confirm(id, n)));
    const expected = await storedEvents(ids);
    await page.waitForFunction((count) => window.fx.record.events.length >= count, expected.length);
    const record = await seen(page);
    expect(record.statuses).toEqual(["connecting", "open", "reconnecting", "open"]);
    expect([...record.events].sort()).toEqual([...expected].sort());
    expect(new Set(record.events).size).toBe(record.events.length);
    // Per settlement, in the order the store has them.
    for (const id of ids) expect(record.events.filter((line) => line.endsWith(id))).toEqual(expected.filter((line) => line.endsWith(id)));
    await page.close();
  });

  test("a stream token that expires mid-stream is refreshed before reconnecting, without a gap", async () => {
    await restart("SIGTERM", { STREAM_TOKEN_TTL_SECONDS: "5" });
    const page = await openFixture(session.browser, session.server.url);
    page.setDefaultTimeout(45_000);
    await page.evaluate((apiKey) => window.fx.start({ apiKey, auth: "cookie" }), KEY);
    await page.waitForFunction(() => window.fx.status() === "open");
    const id = await createSettlement();
    for (const n of [1, 2, 3]) await confirm(id, n);
    await page.waitForFunction(() => window.fx.record.progress.length === 3);
    // The token (and its cookie) expires while the stream stays open; then the stream drops,
    // and events are written before the client is back.
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    expect(await page.evaluate(() => window.fx.status())).toBe("open");
    await restart("SIGTERM", { STREAM_TOKEN_TTL_SECONDS: "5" }, async () => {
      await page.waitForFunction(() => window.fx.status() === "reconnecting");
    });
    for (const n of [4, 5, 6]) await confirm(id, n);
    await page.waitForFunction(() => window.fx.record.progress.length === 6);
    const record = await seen(page);
    expect(record.progress).toEqual(["1 / 100", "2 / 100", "3 / 100", "4 / 100", "5 / 100", "6 / 100"]);
    expect(record.events).toEqual(await storedEvents([id]));
    // One 401, one refreshed token, no loop. Every attempt while the server restarts asks for headers
    // without a refresh (how many depends on how long the restart takes); the refresh comes once, last.
    expect(record.headerCalls.filter((refresh) => refresh)).toEqual([true]);
    expect(record.headerCalls.at(-1)).toBe(true);
    expect(record.headerCalls.length).toBeGreaterThanOrEqual(3);
    expect(record.errors).toContain("unauthorized");
    expect(record.statuses).toEqual(["connecting", "open", "reconnecting", "open"]);
    await page.close();
    await restart("SIGTERM");
  });

  test("an unknown Last-Event-ID brings the server's reset to onReset, then live events", async () => {
    const page = await openFixture(session.browser, session.server.url);
    page.setDefaultTimeout(45_000);
    const unknown = "evt_01ARZ3NDEKTSV4RRFFQ69G5FAV";
    await page.evaluate(([apiKey, lastEventId]) => window.fx.start({ apiKey, auth: "header", lastEventId }), [KEY, unknown] as const);
    await page.waitForFunction(() => window.fx.record.resets.length === 1);
    expect((await seen(page)).resets).toEqual([{ reason: "unknown_last_event_id", lastEventId: unknown }]);
    const id = await createSettlement(2);
    await confirm(id, 1);
    await page.waitForFunction(() => window.fx.record.progress.length === 1);
    expect((await seen(page)).events).toEqual(await storedEvents([id]));
    await page.close();
  });

  test("two components with the hook share one connection", async () => {
    const page = await openFixture(session.browser, session.server.url);
    page.setDefaultTimeout(45_000);
    const id = await createSettlement(5);
    await page.evaluate(([apiKey, settlementId]) => window.fx.mountReact(apiKey, settlementId), [KEY, id] as const);
    await page.waitForSelector("#badge.open");
    await confirm(id, 2);
    await page.waitForFunction(() => document.querySelector("#progress")?.textContent === "2");
    await api("POST", `/api/v1/settlements/${id}/confirmations`, { confirmations: 5 });
    await page.waitForFunction(() => document.querySelector("#progress")?.textContent === "5");
    await page.waitForFunction(() => document.querySelector("#badge")?.textContent === "confirmed");
    // StrictMode mounts, unmounts and mounts again: still one stream open, on the page and on the server.
    expect(await page.evaluate(() => window.fx.streamFetches())).toBeLessThanOrEqual(2);
    // The hooks' stream is the only one filtered on this settlement.
    const { body } = await api("GET", "/api/v1/events/stats");
    const streams = Object.entries(body.sse.clientsByFilter as Record<string, number>).filter(([label]) => label.includes(id));
    expect(streams.map(([, count]) => count)).toEqual([1]);
    await page.close();
  });

  test("pauses while the browser is offline and resumes from its place", async () => {
    const page = await openFixture(session.browser, session.server.url);
    page.setDefaultTimeout(45_000);
    await page.evaluate((apiKey) => window.fx.start({ apiKey, auth: "header", pauseWhenOffline: true }), KEY);
    await page.waitForFunction(() => window.fx.status() === "open");
    const id = await createSettlement();
    await confirm(id, 1);
    await page.waitForFunction(() => window.fx.record.progress.length === 1);
    await page.context().setOffline(true);
    await page.waitForFunction(() => window.fx.paused() === true && window.fx.status() === "reconnecting");
    await confirm(id, 2);
    await confirm(id, 3);
    await page.context().setOffline(false);
    await page.waitForFunction(() => window.fx.record.progress.length === 3);
    const record = await seen(page);
    expect(record.events).toEqual(await storedEvents([id]));
    expect(await page.evaluate(() => window.fx.streamFetches())).toBe(2);
    await page.close();
  });

  test("pauses while the page is hidden and resumes from its place when it is visible again", async () => {
    const page = await openFixture(session.browser, session.server.url);
    page.setDefaultTimeout(45_000);
    await page.evaluate((apiKey) => window.fx.start({ apiKey, auth: "header", pauseWhenHidden: true }), KEY);
    await page.waitForFunction(() => window.fx.status() === "open");
    const id = await createSettlement();
    await confirm(id, 1);
    await page.waitForFunction(() => window.fx.record.progress.length === 1);
    await page.evaluate(() => window.fx.setHidden(true));
    await page.waitForFunction(() => window.fx.paused() === true && window.fx.status() === "reconnecting");
    await confirm(id, 2);
    await confirm(id, 3);
    // Nothing arrives while hidden, however long it stays so: the connection is closed.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await seen(page)).progress).toEqual(["1 / 100"]);
    await page.evaluate(() => window.fx.setHidden(false));
    await page.waitForFunction(() => window.fx.record.progress.length === 3);
    expect((await seen(page)).events).toEqual(await storedEvents([id]));
    expect(await page.evaluate(() => window.fx.streamFetches())).toBe(2);
    await page.close();
  });
});
