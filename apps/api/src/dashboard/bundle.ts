import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { BuildOptions } from "esbuild";

/** The dashboard's browser code (browser/, type-checked with the app). */
const ENTRY = fileURLToPath(new URL("./browser/main.ts", import.meta.url));
/** Where the production build puts it, next to the bundled service (dist/dashboard.js). */
const PREBUILT = new URL("./dashboard.js", import.meta.url);

/** esbuild's options for the dashboard: one minified ES module for browsers. */
export const DASHBOARD_BUILD_OPTIONS: BuildOptions = {
  entryPoints: [ENTRY],
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  // Workspace packages resolve to their sources.
  conditions: ["@org/source"],
  legalComments: "none",
};

let bundle: Promise<string> | undefined;

/**
 * The dashboard's script: the copy `pnpm start`'s build wrote beside the
 * bundled service, or, when the service runs from source, bundled by
 * esbuild the first time it is asked for (never a stale copy).
 */
export function dashboardBundle(): Promise<string> {
  bundle ??= readFile(PREBUILT, "utf8")
    .catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
      const { build } = await import("esbuild");
      const result = await build({ ...DASHBOARD_BUILD_OPTIONS, write: false });
      return result.outputFiles[0]!.text;
    })
    .catch((error: unknown) => {
      bundle = undefined;
      throw error;
    });
  return bundle;
}
