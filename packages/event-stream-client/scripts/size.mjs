// Minified + gzipped size of what a browser app pulls in from this package:
// each entry bundled by esbuild with eventsource-parser (React left out),
// minified, then gzipped at level 9.
//
//   pnpm --filter @org/event-stream-client size
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const entries = {
  "@org/event-stream-client": 'export { createEventStreamClient } from "./src/index.ts";',
  "@org/event-stream-client/react": 'export { createEventStreamContext, EventStreamProvider, useEventStream } from "./src/react/index.ts";',
};
for (const [name, contents] of Object.entries(entries)) {
  const result = await build({
    stdin: { contents, resolveDir: new URL("..", import.meta.url).pathname, loader: "ts" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    external: ["react"],
    write: false,
  });
  const code = result.outputFiles[0].contents;
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
  console.log(`${name}: ${kb(code.length)} minified, ${kb(gzipSync(code, { level: 9 }).length)} gzipped`);
}
