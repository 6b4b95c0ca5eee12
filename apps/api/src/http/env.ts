/** What the auth middleware puts on a request's context. */
export interface AppEnv {
  Variables: {
    /** The tenant of the credential: every query is scoped to it. */
    tenantId: string;
  };
}
