import { useTestDatabase } from "@org/test-harness";
import { describe, expect, test } from "vitest";
import { startReceiver, waitUntil } from "../src/test-support/webhook-receiver.js";
import { httpClient } from "./support/http.js";
import { useServerAndBrowser } from "./support/server-and-browser.js";
import { spawnServer } from "./support/spawn-server.js";

/** The dashboard in Debian's headless Chromium, driven by playwright-core, against the real server. */
const database = useTestDatabase();
const KEY = "dashboard-key-0123456789";
const env = { DATABASE_URL: database.url, API_KEYS: `acme:${KEY}`, PUBLISHER_POLL_INTERVAL_MS: "200", WEBHOOK_ALLOW_PRIVATE_NETWORKS: "true", WEBHOOK_MAX_ATTEMPTS: "1" };
const session = useServerAndBrowser(env);

/** A new page on the dashboard, its uncaught errors collected; each wait fails on its own, with its selector, inside the test's limit. */
async function openDashboard() {
  const page = await session.browser.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.setDefaultTimeout(45_000);
  await page.goto(session.server.url);
  return { page, pageErrors };
}

// Bounds, not expectations: a long transaction elsewhere on the test server can hold the feed back.
describe("dashboard", { timeout: 300_000 }, () => {
  test("lists the tenant's settlements and moves the progress bar live from the stream", async () => {
    const api = httpClient(session.server.url, KEY);
    const { page, pageErrors } = await openDashboard();
    await page.fill("#api-key", KEY);
    await page.click("#login button");
    await page.waitForSelector("#connection.open");

    const id = (await api("POST", "/api/v1/settlements", { amount: "250.00", currency: "USD", required_confirmations: 4 })).body.id as string;
    const row = `tr[data-settlement-id="${id}"]`;
    await page.waitForSelector(row);
    await api("POST", `/api/v1/settlements/${id}/submit`, { tx_hash: "0xfeed" });
    await page.waitForFunction((selector) => document.querySelector(`${selector} .status`)?.textContent === "submitted", row);

    for (const confirmations of [1, 2, 3, 4]) {
      await api("POST", `/api/v1/settlements/${id}/confirmations`, { confirmations });
      await page.waitForFunction(
        ([selector, value]) => (document.querySelector(`${selector} progress`) as HTMLProgressElement | null)?.value === value,
        [row, confirmations] as const,
      );
    }
    expect(await page.textContent(`${row} .status`)).toBe("confirmed");
    expect(await page.getAttribute(`${row} progress`, "max")).toBe("4");
    await api("POST", `/api/v1/settlements/${id}/settle`, { gas_actual: "0.0021" });
    await page.waitForSelector(`${row} .status.settled`);

    // A reload lists what exists, from the API, with the key kept for the tab.
    await page.reload();
    await page.waitForSelector(`${row} .status.settled`);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  test("shows the connection going from open to reconnecting to open across a server restart, and stays live", async () => {
    const api = httpClient(session.server.url, KEY);
    const { page, pageErrors } = await openDashboard();
    // Every status the badge shows, in order, recorded by the page itself.
    await page.evaluate(() => {
      const badge = document.querySelector("#connection")!;
      const shown: string[] = [];
      new MutationObserver(() => {
        if (shown.at(-1) !== badge.className) shown.push(badge.className);
      }).observe(badge, { attributes: true, attributeFilter: ["class"] });
      Object.assign(window, { shown });
    });
    await page.fill("#api-key", KEY);
    await page.click("#login button");
    await page.waitForSelector("#connection.open");

    const port = new URL(session.server.url).port;
    expect(await session.server.stop()).toBe(0);
    await page.waitForSelector("#connection.reconnecting");
    // A settlement created while the page is away arrives through the resumed stream.
    session.server = await spawnServer({ ...env, PORT: port });
    const id = (await api("POST", "/api/v1/settlements", { amount: "75.00", currency: "EUR", required_confirmations: 2 })).body.id as string;
    await page.waitForSelector("#connection.open");
    await page.waitForSelector(`tr[data-settlement-id="${id}"]`);
    await api("POST", `/api/v1/settlements/${id}/submit`, { tx_hash: "0xbeef" });
    await api("POST", `/api/v1/settlements/${id}/confirmations`, { confirmations: 1 });
    await page.waitForFunction(
      (selector) => (document.querySelector(`${selector} progress`) as HTMLProgressElement | null)?.value === 1,
      `tr[data-settlement-id="${id}"]`,
    );
    const shown = await page.evaluate(() => (window as unknown as { shown: string[] }).shown);
    expect(shown.slice(shown.indexOf("open"))).toEqual(["open", "reconnecting", "open"]);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  test("shows the tenant's webhook endpoints with their health and dead letters, and requeues one with its button", async () => {
    const api = httpClient(session.server.url, KEY);
    const receiver = await startReceiver(() => 503);
    try {
      const hook = (await api("POST", "/api/v1/webhooks", { url: receiver.url, types: ["payment.*"] })).body.id as string;
      const { page, pageErrors } = await openDashboard();
      await page.fill("#api-key", KEY);
      await page.click("#login button");
      await page.waitForSelector(`#endpoints tr[data-webhook-id="${hook}"] .health.healthy`);

      // the receiver refuses: one attempt (WEBHOOK_MAX_ATTEMPTS=1), then a dead letter, shown with its endpoint failing
      await api("POST", "/api/v1/payments", { amount: "9.00", currency: "USD" });
      const letter = `#dead-letters tr[data-dead-letter-id$="@webhook:${hook}"]`;
      await page.waitForSelector(letter);
      await page.waitForSelector(`#endpoints tr[data-webhook-id="${hook}"] .health.failing`);
      expect(await page.textContent(`#endpoints tr[data-webhook-id="${hook}"] .dead-letters`)).toBe("1");
      expect(await page.textContent(letter)).toContain("payment.created");

      receiver.behave(() => 204);
      const before = receiver.received.length;
      await page.click(`${letter} button.requeue`);
      await waitUntil(() => receiver.received.length > before, 45_000, "the requeued delivery");
      await page.waitForSelector(letter, { state: "detached" });
      await page.waitForSelector(`#endpoints tr[data-webhook-id="${hook}"] .health.healthy`);
      expect(JSON.parse(receiver.received.at(-1)!.body).type).toBe("payment.created");
      expect(pageErrors).toEqual([]);
      await page.close();
    } finally {
      await receiver.close();
    }
  });
});
