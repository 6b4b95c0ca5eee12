import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["@org/source"] },
  ssr: { resolve: { conditions: ["@org/source"] } },
  test: {
    name: "api",
    globalSetup: ["@org/test-harness/global-setup", "./e2e/support/build-service.ts"],
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});
