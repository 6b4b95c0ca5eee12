import type { TestProject } from "vitest/node";
import { resolveDatabaseUrl } from "./resolve-database-url.js";

import "./provided-context.js";

/**
 * Vitest global setup: resolves the server once per run and hands its URL
 * to every test file (`inject("databaseUrl")`).
 */
export default async function setup(project: TestProject) {
  const { url, stop } = await resolveDatabaseUrl();
  project.provide("databaseUrl", url);
  return stop;
}
