import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", react: "src/react/index.ts" },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  // Browsers first: ES2022 syntax, nothing Node-specific in the output.
  target: "es2022",
  platform: "neutral",
  external: ["react", "eventsource-parser"],
});
