/**
 * Saves a screenshot of the dashboard to docs/dashboard.png (for the README):
 *
 *   API_KEY=sk_... node --conditions=@org/source --import tsx scripts/screenshot.ts
 */
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { chromiumLaunchOptions } from "@org/test-harness";
import { chromium } from "playwright-core";

const baseUrl = process.env.API_URL ?? "http://localhost:3000";
const apiKey = process.env.API_KEY;
const delayMs = Number(process.env.SCREENSHOT_DELAY_MS ?? 0);
if (!apiKey) throw new Error("set API_KEY");

// CHROMIUM_PATH, the usual install paths, or Debian's chromium installed as root (see packages/test-harness).
const browser = await chromium.launch(await chromiumLaunchOptions());
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 420 } });
  await page.goto(baseUrl);
  await page.fill("#api-key", apiKey);
  await page.click("#login button");
  await page.waitForSelector("#connection.open");
  await sleep(delayMs);
  const path = fileURLToPath(new URL("../docs/dashboard.png", import.meta.url));
  await page.screenshot({ path, fullPage: true });
  console.log(`saved ${path}`);
} finally {
  await browser.close();
}
