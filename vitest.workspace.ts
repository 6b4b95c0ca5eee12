/**
 * The test projects of the monorepo, one per package and app.
 *
 * Vitest 4 no longer reads this file by itself: the root vitest.config.ts
 * imports this list as `test.projects`, so this stays the one real list.
 * Filter with `pnpm test --project <name>`.
 */
export const projects = [
  "packages/test-harness",
  "packages/domain-events",
  "packages/outbox-publisher",
  "packages/sse-broadcaster",
  "packages/event-bus-redis",
  "packages/event-stream-client",
  "apps/api",
];

export default projects;
