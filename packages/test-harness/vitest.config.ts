import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "test-harness",
    globalSetup: ["./src/global-setup.ts"],
    testTimeout: 15_000,
  },
});
