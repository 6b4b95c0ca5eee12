import { CHROMIUM_SETUP_TIMEOUT_MS, chromiumLaunchOptions, useTestDatabase } from "@org/test-harness";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { httpClient } from "./support/http.js";
import { spawnServer, type ServerProcess } from "./support/spawn-server.js";

/** The dashboard in Debian's headless Chromium, driven by playwright-core, against the real server. */
const database = useTestDatabase();
const KEY = "dashboard-key-0123456789";
let server: ServerProcess;
let browser: Browser;

beforeAll(async () => {
  server = await spawnServer({ DATABASE_URL: database.url, API_KEYS: `acme:${KEY}`, PUBLISHER_POLL_INTERVAL_MS: "200" });
  // Finds the machine's Chromium, or installs Debian's, or fails with one line that says what to install.
  browser = await chromium.launch(await chromiumLaunchOptions());
}, CHROMIUM_SETUP_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  expect(await server?.stop()).toBe(0);
});

// Bounds, not expectations: a long transaction elsewhere on the test server can hold the feed back.
describe("dashboard", { timeout: 300_000 }, () => {
  test("lists the tenant's settlements and moves the progress bar live from the stream", async () => {
    const api = httpClient(server.url, KEY);
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    // Each wait fails on its own, with its selector, inside the test's limit.
    page.setDefaultTimeout(45_000);
    await page.goto(server.url);
    await page.fill("#api-key", KEY);
    await page.click("#login button");
    await page.waitForSelector("#connection.live");

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

    // A reload lists what exists, from the API, with the key kept for the tab.
    await page.reload();
    await page.waitForSelector(`${row} .status.confirmed`);
    expect(pageErrors).toEqual([]);
    await page.close();
  });
});
