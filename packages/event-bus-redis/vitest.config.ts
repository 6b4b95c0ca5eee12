import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["@org/source"] },
  ssr: { resolve: { conditions: ["@org/source"] } },
  test: {
    name: "event-bus-redis",
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
