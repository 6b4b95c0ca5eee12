/**
 * The production build, run by `pnpm start` before the service starts:
 * src/main.ts and the workspace packages it uses, from their sources,
 * bundled into dist/main.js (with a source map), third-party packages left
 * to node_modules; and the dashboard's browser bundle in dist/dashboard.js,
 * where the service finds it. The service then runs on plain node, without
 * the TypeScript loader (which took 2-3 s of each start).
 *
 *   node --import tsx scripts/build.ts
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { DASHBOARD_BUILD_OPTIONS } from "../src/dashboard/bundle.js";

const root = fileURLToPath(new URL("..", import.meta.url));

async function dependenciesOf(dir: string): Promise<string[]> {
  const pkg = JSON.parse(await readFile(`${dir}/package.json`, "utf8")) as { dependencies?: object; peerDependencies?: object };
  return Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies });
}

/** Third-party packages of the service and of the workspace packages it bundles: resolved from node_modules at run time. */
async function externals(): Promise<string[]> {
  const own = await dependenciesOf(root);
  const workspace = await Promise.all(own.filter((name) => name.startsWith("@org/")).map((name) => dependenciesOf(`${root}/node_modules/${name}`)));
  return [...new Set([...own, ...workspace.flat()])].filter((name) => !name.startsWith("@org/"));
}

export async function buildService(): Promise<void> {
  await Promise.all([
    build({
      entryPoints: [`${root}/src/main.ts`],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      conditions: ["@org/source"],
      external: await externals(),
      sourcemap: true,
      outfile: `${root}/dist/main.js`,
      logLevel: "warning",
    }),
    build({ ...DASHBOARD_BUILD_OPTIONS, outfile: `${root}/dist/dashboard.js`, logLevel: "warning" }),
  ]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildService();
