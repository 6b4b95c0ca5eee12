/** What the global setup hands to every test file through `inject()`. */
declare module "vitest" {
  export interface ProvidedContext {
    /** The PostgreSQL server the tests run against (see resolveDatabaseUrl). */
    databaseUrl: string;
  }
}

export {};
