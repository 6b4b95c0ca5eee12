import { sql, type Kysely } from "kysely";
import { checkInteger, OutboxError } from "../errors.js";
import { definedOptions } from "../options.js";
import { asyncCommit } from "../async-commit.js";
import { PROCESS_TOKEN, wakeLocalListeners } from "./local-wakeups.js";
import { checkChannel, DEFAULT_CHANNEL } from "./wake-source.js";

/** Options of {@link notifyEventsCommitted}. */
export interface NotifyOptions {
  /**
   * Channel the publishers LISTEN on.
   * @default "outbox_events"
   */
  channel?: string;
  /**
   * Least time between the starts of two NOTIFYs of this process: under a
   * flood of commits, one wake-up per interval is plenty, and each NOTIFY
   * is a commit of its own that takes PostgreSQL's notify queue lock. Only
   * other processes wait for it: this process's listeners are woken at once.
   * @default 5
   */
  minIntervalMs?: number;
  /**
   * Receives a failed NOTIFY (the wake-up is only a hint: polling covers it).
   * @default () => {} (ignored)
   */
  onError?: (error: unknown) => void;
}

/**
 * Per-database, per-channel state: one NOTIFY in flight at most, and one
 * scheduled that covers every call made before it starts, sent no sooner
 * than `minIntervalMs` after the previous one started.
 */
class CommitNotifier {
  #inFlight: Promise<void> = Promise.resolve();
  #next: Promise<void> | undefined;
  #lastStart = Number.NEGATIVE_INFINITY;

  constructor(
    readonly db: Kysely<any>,
    readonly channel: string,
  ) {}

  notify(minIntervalMs: number, onError: (error: unknown) => void): Promise<void> {
    this.#next ??= (async () => {
      await this.#inFlight;
      const wait = this.#lastStart + minIntervalMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      this.#next = undefined; // calls from now on need a NOTIFY of their own
      this.#lastStart = performance.now();
      // The NOTIFY is a transaction of its own that commits a WAL record; it
      // is only a hint, so it does not wait for the flush (the events it
      // announces were flushed by their own commit).
      this.#inFlight = sql`select pg_notify(${this.channel}, ${PROCESS_TOKEN}) where ${asyncCommit()}`
        .execute(this.db)
        .then(() => undefined, onError);
      await this.#inFlight;
    })();
    return this.#next;
  }
}

const notifiers = new WeakMap<Kysely<any>, Map<string, CommitNotifier>>();

/**
 * Merges the defaults of {@link NotifyOptions} once and throws
 * `OutboxError("invalid_options")` for a bad channel, interval or callback.
 */
export function resolveNotifyOptions(options: NotifyOptions = {}): Required<NotifyOptions> {
  const settings = { channel: DEFAULT_CHANNEL, minIntervalMs: 5, onError: () => {}, ...definedOptions(options) };
  checkChannel(settings.channel);
  checkInteger("minIntervalMs", settings.minIntervalMs, 0, 60_000);
  if (typeof settings.onError !== "function") throw new OutboxError("invalid_options", "onError must be a function");
  return settings;
}

/**
 * Wakes the publishers after a commit: those of this process at once (the
 * listeners `pgListener` and `pgliteListener` made here, whatever database
 * they listen on), and those of other processes by a NOTIFY sent outside the writing
 * transaction, so commits do not queue on PostgreSQL's notify lock (a
 * NOTIFY inside every write transaction serializes commits). Coalesced per
 * process: any number of calls share the next NOTIFY, at most one is in
 * flight, and they start at least `minIntervalMs` apart. Never rejects (it throws at once only for a malformed channel name);
 * the wake-up is a hint and the poll covers a lost one.
 * Call it after the transaction has committed, with the pool (not the
 * transaction).
 *
 * @example
 * await db.transaction().execute(async (tx) => {
 *   await changeState(tx);
 *   await recordEvent(tx, "settlement", id, "settlement.settled", payload);
 * });
 * void notifyEventsCommitted(db);
 */
export function notifyEventsCommitted<DB>(database: Kysely<DB>, options: NotifyOptions = {}): Promise<void> {
  const db: Kysely<any> = database;
  const { channel, minIntervalMs, onError } = resolveNotifyOptions(options);
  let byChannel = notifiers.get(db);
  if (!byChannel) notifiers.set(db, (byChannel = new Map()));
  let notifier = byChannel.get(channel);
  if (!notifier) byChannel.set(channel, (notifier = new CommitNotifier(db, channel)));
  wakeLocalListeners(channel);
  return notifier.notify(minIntervalMs, onError);
}
