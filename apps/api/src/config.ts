import { z } from "zod";

const tenantKeyPair = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}:\S{8,}$/, 'each entry must be "tenant:key" (tenant: letters, digits, _ or -; key: 8+ characters)')
  .transform((entry) => {
    const at = entry.indexOf(":");
    return { tenantId: entry.slice(0, at), key: entry.slice(at + 1) };
  });

const integer = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);

/** The environment the service reads, parsed once at start. */
const configSchema = z.object({
  PORT: integer(3000, 0, 65_535),
  HOST: z.string().min(1).optional(),
  /** PostgreSQL; without it, embedded PGlite in DATA_DIR. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /**
   * With DATABASE_URL: carry live events between instances on a Redis Stream
   * (@org/event-bus-redis). Without it, each instance follows the log itself.
   */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  /** Prefix of the Redis keys: instances that share a log share it. */
  REDIS_KEY_PREFIX: z.string().regex(/^[^{}\s]{1,200}$/, "1-200 characters without braces or spaces").default("events"),
  DATA_DIR: z.string().min(1).default(".data/api"),
  /** "tenantA:keyA,tenantB:keyB"; without it a development key is created and printed. */
  API_KEYS: z
    .string()
    .optional()
    .transform((value) => (value ?? "").split(",").map((entry) => entry.trim()).filter((entry) => entry !== ""))
    .pipe(z.array(tenantKeyPair)),
  /** How long an API key found in the database is trusted before it is looked up again: a deleted key works this long at most. 0: every request. */
  API_KEY_CACHE_TTL_MS: integer(5_000, 0, 3_600_000),
  /**
   * Operates the outbox for every tenant: the dead letters and outbox stats
   * of all tenants (and only those routes: tenant routes answer 403 to it).
   * Without it, operations are per tenant only.
   */
  ADMIN_API_KEY: z.string().regex(/^\S{16,}$/, "16 or more characters without spaces").optional(),
  SSE_HEARTBEAT_MS: integer(30_000, 0, 3_600_000),
  /** Signs stream tokens; without it a random one per process (tokens then die with the process). */
  STREAM_TOKEN_SECRET: z.string().min(16).optional(),
  STREAM_TOKEN_TTL_SECONDS: integer(900, 1, 86_400),
  /** The relay's fallback poll; wake-ups usually come sooner. */
  PUBLISHER_POLL_INTERVAL_MS: integer(1_000, 10, 60_000),
  SHUTDOWN_TIMEOUT_MS: integer(10_000, 100, 120_000),
  /** SSE connections one tenant may hold at once; more answer 429. */
  SSE_MAX_CLIENTS_PER_TENANT: integer(20, 1, 10_000),
  /** Bytes an SSE client may have waiting before it is evicted (it resumes with Last-Event-ID). */
  SSE_MAX_QUEUE_BYTES: integer(1_048_576, 1_024, 1_073_741_824),
  /** Frames an SSE client may have waiting before it is evicted. */
  SSE_MAX_QUEUE_EVENTS: integer(1_000, 1, 1_000_000),
  /** When set, GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>`; without it /metrics is open (no tenant data in it). */
  METRICS_TOKEN: z.string().min(16).optional(),
  /** Requests per API key (or stream token's tenant) per minute; more answer 429. 0 turns the limit off. */
  RATE_LIMIT_PER_MINUTE: integer(1_200, 0, 10_000_000),
  /** "true" lets webhooks reach loopback, link-local and private addresses (tests, internal receivers). */
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: z.enum(["true", "false"]).default("false").transform((value) => value === "true"),
  /** Longest wait for a webhook endpoint's answer. */
  WEBHOOK_TIMEOUT_MS: integer(10_000, 100, 120_000),
  /** Attempts per webhook delivery (backoff with jitter between them) before the dead letter. */
  WEBHOOK_MAX_ATTEMPTS: integer(8, 1, 100),
  /** Events older than this many days are deleted once no consumer needs them. */
  EVENT_RETENTION_DAYS: integer(7, 1, 3650),
  /** How often the relaying instance runs retention. */
  EVENT_RETENTION_INTERVAL_MS: integer(3_600_000, 100, 86_400_000),
}).superRefine((config, context) => {
  // Embedded PGlite is one process: there are no other instances to carry events to.
  if (config.REDIS_URL !== undefined && config.DATABASE_URL === undefined) {
    context.addIssue({ code: "custom", path: ["REDIS_URL"], message: "needs DATABASE_URL (embedded PGlite runs as one process)" });
  }
  if (config.ADMIN_API_KEY !== undefined && config.API_KEYS.some(({ key }) => key === config.ADMIN_API_KEY)) {
    context.addIssue({ code: "custom", path: ["ADMIN_API_KEY"], message: "must differ from every tenant key in API_KEYS" });
  }
});

/** The parsed configuration. */
export type Config = z.output<typeof configSchema>;

/** Parses the environment once; throws an Error listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const blankless = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
  const result = configSchema.safeParse(blankless);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  throw new Error(`invalid configuration:\n  ${problems.join("\n  ")}`);
}
