import { isEventsError, resolveTableName } from "@org/events";
import { OutboxError } from "./errors.js";

/** Options shared by everything that touches the outbox tables. */
export interface OutboxTableOptions<T extends string = string> {
  /**
   * The events table of `@org/events`.
   * @default "domain_events"
   */
  tableName?: T;
}

/** The tables one outbox works on, all derived from the events table name. */
export interface OutboxTables {
  events: string;
  /** Delivery state of worker groups, and the feed's retries and dead letters. */
  deliveries: string;
  /** One row per worker group: its checkpoint over the log. */
  groups: string;
  migrations: string;
}

/** The reserved group name under which the ordered feed keeps retries and dead letters. */
export const FEED_GROUP = "$feed";

/** The tables of the outbox on `tableName`, checked once. */
export function resolveTables(options?: OutboxTableOptions): OutboxTables {
  let events: string;
  try {
    events = resolveTableName(options);
  } catch (error) {
    if (isEventsError(error)) throw new OutboxError("invalid_options", error.message, { cause: error });
    throw error;
  }
  return {
    events,
    deliveries: `${events}_deliveries`,
    groups: `${events}_groups`,
    migrations: `${events}_outbox_migrations`,
  };
}

const GROUP = /^[A-Za-z0-9_.:-]{1,100}$/;

/** Checks a worker group name; `$feed` is reserved for the ordered feed. */
export function checkGroupName(group: unknown): string {
  if (typeof group !== "string" || !GROUP.test(group)) {
    throw new OutboxError("invalid_options", `group must match ${GROUP} (got "${String(group)}")`);
  }
  return group;
}
