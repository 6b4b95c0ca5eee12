import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["@org/source"] },
  ssr: { resolve: { conditions: ["@org/source"] } },
  test: {
    name: "domain-events",
    globalSetup: ["@org/test-harness/global-setup"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
