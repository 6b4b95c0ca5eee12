import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ENTRY = fileURLToPath(new URL("./browser/main.ts", import.meta.url));

let bundle: Promise<string> | undefined;

/**
 * The dashboard's browser code (browser/, type-checked with the app),
 * bundled by esbuild from source the first time it is asked for: no build
 * step before `pnpm start`, and never a stale copy. Workspace packages
 * resolve to their sources through the `@org/source` condition.
 */
export function dashboardBundle(): Promise<string> {
  bundle ??= build({
    entryPoints: [ENTRY],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["@org/source"],
    legalComments: "none",
    write: false,
  }).then(
    (result) => result.outputFiles[0]!.text,
    (error: unknown) => {
      bundle = undefined;
      throw error;
    },
  );
  return bundle;
}
