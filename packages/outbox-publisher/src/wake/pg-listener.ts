import pg from "pg";
import { checkInteger, OutboxError } from "../errors.js";
import { definedOptions } from "../options.js";
import { abortableDelay } from "./abortable-delay.js";
import { listenInThisProcess } from "./local-wakeups.js";
import { checkChannel, DEFAULT_CHANNEL, type WakeSource } from "./wake-source.js";

/** Options of {@link pgListener}. */
export interface PgListenerOptions {
  /** Connection string of the database the writers notify on (127.0.0.1, not a pooler in transaction mode). */
  connectionString: string;
  /**
   * Channel to LISTEN on.
   * @default "outbox_events"
   */
  channel?: string;
  /**
   * How often the connection is checked with `select 1`: a half-open
   * connection otherwise goes deaf without an error.
   * @default 5000
   */
  healthCheckIntervalMs?: number;
  /**
   * How long a health check may take before the connection is replaced.
   * @default 2000
   */
  healthCheckTimeoutMs?: number;
  /**
   * First delay before reconnecting; doubles up to 5 s while it fails.
   * @default 100
   */
  reconnectDelayMs?: number;
  /**
   * `application_name` of the connection, to find it in `pg_stat_activity`.
   * @default "outbox-listener"
   */
  applicationName?: string;
}

const MAX_RECONNECT_DELAY_MS = 5_000;

/**
 * Wake-ups from PostgreSQL LISTEN on a dedicated connection that is
 * health-checked and re-established by itself; every (re)connection also
 * wakes the subscriber, so nothing committed while it was deaf is stranded.
 *
 * @example
 * import { pgListener } from "@org/outbox-publisher/pg";
 * const publisher = createEventPublisher(db, { listen: pgListener({ connectionString: process.env.DATABASE_URL! }) });
 */
/**
 * Merges the defaults of {@link PgListenerOptions} once and throws
 * `OutboxError("invalid_options")` for a bad channel or interval.
 */
export function resolvePgListenerOptions(options: PgListenerOptions): Required<PgListenerOptions> {
  const settings = {
    channel: DEFAULT_CHANNEL,
    healthCheckIntervalMs: 5_000,
    healthCheckTimeoutMs: 2_000,
    reconnectDelayMs: 100,
    applicationName: "outbox-listener",
    ...definedOptions(options),
    connectionString: options.connectionString,
  } satisfies Required<PgListenerOptions>;
  if (typeof settings.connectionString !== "string" || settings.connectionString === "") {
    throw new OutboxError("invalid_options", "connectionString must be a non-empty string");
  }
  checkChannel(settings.channel);
  checkInteger("healthCheckIntervalMs", settings.healthCheckIntervalMs, 10);
  checkInteger("healthCheckTimeoutMs", settings.healthCheckTimeoutMs, 10);
  checkInteger("reconnectDelayMs", settings.reconnectDelayMs, 1);
  return settings;
}

export function pgListener(options: PgListenerOptions): WakeSource {
  const settings = resolvePgListenerOptions(options);

  return {
    async subscribe(onWake, onError = () => {}) {
      const stopped = new AbortController();
      let client: pg.Client | undefined;
      let health: NodeJS.Timeout | undefined;
      let connecting: Promise<void> | undefined;
      // this process's commits wake it at once (notifyEventsCommitted); their NOTIFY is skipped
      const local = listenInThisProcess(settings.channel, onWake);

      const drop = (c: pg.Client, error: unknown) => {
        if (c !== client) return;
        client = undefined;
        clearInterval(health);
        c.end().catch(() => {});
        if (stopped.signal.aborted) return;
        onError(error);
        connecting ??= establish().finally(() => (connecting = undefined));
      };

      const check = async (c: pg.Client) => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("LISTEN connection health check timed out")), settings.healthCheckTimeoutMs);
        });
        try {
          await Promise.race([c.query("select 1"), timeout]);
        } catch (error) {
          drop(c, error);
        } finally {
          clearTimeout(timer);
        }
      };

      async function connectOnce(): Promise<pg.Client> {
        const c = new pg.Client({
          connectionString: settings.connectionString,
          application_name: settings.applicationName,
          connectionTimeoutMillis: settings.healthCheckTimeoutMs,
        });
        c.on("error", (error) => drop(c, error));
        c.on("end", () => drop(c, new Error("LISTEN connection ended")));
        c.on("notification", (message) => {
          if (message.channel === settings.channel) local.notified(message.payload);
        });
        try {
          await c.connect();
          await c.query(`LISTEN ${settings.channel}`);
          return c;
        } catch (error) {
          c.removeAllListeners("end");
          c.on("error", () => {});
          await c.end().catch(() => {});
          throw error;
        }
      }

      async function establish(): Promise<void> {
        let delay = settings.reconnectDelayMs;
        while (!stopped.signal.aborted) {
          try {
            const c = await connectOnce();
            if (stopped.signal.aborted) {
              await c.end().catch(() => {});
              return;
            }
            client = c;
            health = setInterval(() => void check(c), settings.healthCheckIntervalMs);
            health.unref();
            onWake(); // read what committed while no one listened
            return;
          } catch (error) {
            onError(error);
            await abortableDelay(delay, stopped.signal);
            delay = Math.min(delay * 2, MAX_RECONNECT_DELAY_MS);
          }
        }
      }

      connecting = establish().finally(() => (connecting = undefined));
      // The first attempt decides whether subscribe resolves connected; later ones run in the background.
      await Promise.race([connecting, abortableDelay(settings.healthCheckTimeoutMs)]);

      return async () => {
        local.remove();
        stopped.abort();
        clearInterval(health);
        await connecting;
        const c = client;
        client = undefined;
        if (c) {
          c.removeAllListeners("end");
          await c.end().catch(() => {});
        }
      };
    },
  };
}
