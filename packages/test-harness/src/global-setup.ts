import type { TestProject } from "vitest/node";
import { resolveDatabaseUrl } from "./resolve-database-url.js";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/**
 * Vitest global setup: resolves the server once per run and hands its URL
 * to every test file (`inject("databaseUrl")`).
 */
export default async function setup(project: TestProject) {
  const { url, stop } = await resolveDatabaseUrl();
  project.provide("databaseUrl", url);
  return stop;
}
