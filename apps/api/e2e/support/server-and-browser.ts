import { CHROMIUM_SETUP_TIMEOUT_MS, chromiumLaunchOptions } from "@org/test-harness";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { spawnServer, type ServerProcess } from "./spawn-server.js";

/** The server and the browser of a test file; a test that restarts the server puts the new one here. */
export interface ServerAndBrowser {
  server: ServerProcess;
  browser: Browser;
}

/**
 * Starts the built server with `env` and a headless Chromium before the
 * file's tests (the harness finds the machine's Chromium, installs Debian's,
 * or fails with one line that says what to install); after them closes the
 * browser and stops the server, which must exit 0.
 */
export function useServerAndBrowser(env: Record<string, string>): ServerAndBrowser {
  const session = {} as ServerAndBrowser;
  beforeAll(async () => {
    session.server = await spawnServer(env);
    session.browser = await chromium.launch(await chromiumLaunchOptions());
  }, CHROMIUM_SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await session.browser?.close();
    expect(await session.server?.stop()).toBe(0);
  });
  return session;
}
