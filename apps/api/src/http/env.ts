/** What the auth middleware puts on a request's context. */
export interface AppEnv {
  Variables: {
    /**
     * The tenant of the credential: every query is scoped to it. Not set
     * for the admin key (see `tenantScope`, which operations routes use).
     */
    tenantId: string;
    /** True for the admin key (`ADMIN_API_KEY`), which only the operations routes accept. */
    admin: boolean;
  };
}
