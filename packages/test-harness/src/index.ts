export { resolveDatabaseUrl, NO_DATABASE_MESSAGE } from "./resolve-database-url.js";
export { useTestDatabase } from "./test-database.js";
export type { TestDatabase } from "./test-database.js";
export { usePgliteDatabase } from "./pglite-database.js";
export { resolveRedisUrl, startRedisServer, uniqueRedisPrefix } from "./redis-server.js";
export type { OwnRedisServer } from "./redis-server.js";
export {
  findChromium,
  chromiumLaunchOptions,
  CHROMIUM_ARGS,
  CHROMIUM_CANDIDATES,
  CHROMIUM_PATH_ENV,
  CHROMIUM_SETUP_TIMEOUT_MS,
  NO_CHROMIUM_MESSAGE,
} from "./chromium.js";
export type { FindChromiumOptions } from "./chromium.js";
export { EVENT_TYPES, MATCHING_CASES, INVALID_PATTERNS } from "./type-pattern-cases.js";
