import { buildService } from "../../scripts/build.js";

/**
 * Vitest global setup: builds the service once, as `pnpm start` does, so
 * the tests that spawn it run what production runs (dist/main.js).
 */
export default async function setup(): Promise<void> {
  await buildService();
}
