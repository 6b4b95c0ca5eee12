import { describe, expect, test } from "vitest";
import { isEventsError } from "../errors.js";
import { resolvePostgresDatabaseOptions } from "./pg.js";
import { resolvePgliteDatabaseOptions } from "./pglite.js";

const refused = (resolve: () => unknown) => {
  try {
    resolve();
  } catch (error) {
    return isEventsError(error, "invalid_options") ? error.message : `not invalid_options: ${String(error)}`;
  }
  return "accepted";
};

describe("the database factories resolve their options once", () => {
  test("createPostgresDatabase: defaults, and bad values refused with invalid_options", () => {
    expect(resolvePostgresDatabaseOptions({ connectionString: "postgres://u@127.0.0.1/db" })).toMatchObject({
      connectionString: "postgres://u@127.0.0.1/db",
      max: 10,
      connectionTimeoutMillis: 10_000,
    });
    for (const bad of [
      { connectionString: "" },
      { connectionString: 42 },
      { connectionString: "postgres://u@h/db", max: 0 },
      { connectionString: "postgres://u@h/db", max: 1.5 },
      { connectionString: "postgres://u@h/db", connectionTimeoutMillis: -1 },
      { connectionString: "postgres://u@h/db", onError: "log" },
    ]) {
      expect(refused(() => resolvePostgresDatabaseOptions(bad as never)), JSON.stringify(bad)).toMatch(/connectionString|max|connectionTimeoutMillis|onError/);
    }
  });

  test("createPgliteDatabase: in memory by default; a data folder must be a non-empty string", () => {
    expect(resolvePgliteDatabaseOptions()).toEqual({ dataDir: undefined });
    expect(resolvePgliteDatabaseOptions({ dataDir: ".data/events" })).toEqual({ dataDir: ".data/events" });
    expect(refused(() => resolvePgliteDatabaseOptions({ dataDir: "" }))).toMatch(/dataDir/);
    expect(refused(() => resolvePgliteDatabaseOptions({ dataDir: 7 } as never))).toMatch(/dataDir/);
  });
});
