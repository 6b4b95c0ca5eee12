import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", hono: "src/adapters/hono.ts", node: "src/adapters/node.ts" },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20",
});
