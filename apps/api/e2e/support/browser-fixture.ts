import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { Browser, Page } from "playwright-core";

const ENTRY = fileURLToPath(new URL("../browser/fixture.ts", import.meta.url));
let bundle: Promise<string> | undefined;

/** e2e/browser/fixture.ts bundled for the browser (workspace packages from source, React in development mode). */
function fixtureBundle(): Promise<string> {
  bundle ??= build({
    entryPoints: [ENTRY],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["@org/source"],
    define: { "process.env.NODE_ENV": '"development"' },
    write: false,
  }).then((result) => result.outputFiles[0]!.text);
  return bundle;
}

/**
 * A new page on the API's origin (so the stream's cookie and same-origin
 * fetches work) running the fixture: the page and its script are answered
 * by the browser's request interception, the API by the real server.
 */
export async function openFixture(browser: Browser, serverUrl: string): Promise<Page> {
  const script = await fixtureBundle();
  const page = await browser.newPage();
  await page.route(`${serverUrl}/e2e/fixture.html`, (route) =>
    route.fulfill({ contentType: "text/html", body: '<!doctype html><html><body><script type="module" src="/e2e/fixture.js"></script></body></html>' }),
  );
  await page.route(`${serverUrl}/e2e/fixture.js`, (route) => route.fulfill({ contentType: "text/javascript", body: script }));
  await page.goto(`${serverUrl}/e2e/fixture.html`);
  await page.waitForFunction(() => "fx" in window);
  return page;
}
