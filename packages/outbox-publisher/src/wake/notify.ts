import { sql, type Kysely } from "kysely";
import { checkChannel, DEFAULT_CHANNEL } from "./wake-source.js";

/** Options of {@link notifyEventsCommitted}. */
export interface NotifyOptions {
  /**
   * Channel the publishers LISTEN on.
   * @default "outbox_events"
   */
  channel?: string;
  /** Receives a failed NOTIFY (the wake-up is only a hint: polling covers it). */
  onError?: (error: unknown) => void;
}

/** Per-database, per-channel state: at most one NOTIFY in flight and one pending. */
class CommitNotifier {
  #inFlight: Promise<void> | undefined;
  #pending: Promise<void> | undefined;

  constructor(
    readonly db: Kysely<any>,
    readonly channel: string,
  ) {}

  notify(onError: (error: unknown) => void): Promise<void> {
    if (!this.#inFlight) {
      this.#inFlight = sql`select pg_notify(${this.channel}, '')`
        .execute(this.db)
        .then(() => undefined, onError)
        .finally(() => (this.#inFlight = undefined));
      return this.#inFlight;
    }
    // Everything that committed before the pending NOTIFY starts is covered by it.
    this.#pending ??= this.#inFlight.then(() => {
      this.#pending = undefined;
      return this.notify(onError);
    });
    return this.#pending;
  }
}

const notifiers = new WeakMap<Kysely<any>, Map<string, CommitNotifier>>();

/**
 * Wakes the publishers after a commit: a NOTIFY sent outside the writing
 * transaction, so commits do not queue on PostgreSQL's notify lock (a
 * NOTIFY inside every write transaction serializes commits). Coalesced per
 * process: while one NOTIFY is in flight, any number of calls share one
 * more. Never rejects (it throws at once only for a malformed channel name);
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
export function notifyEventsCommitted(db: Kysely<any>, options: NotifyOptions = {}): Promise<void> {
  const channel = checkChannel(options.channel ?? DEFAULT_CHANNEL);
  let byChannel = notifiers.get(db);
  if (!byChannel) notifiers.set(db, (byChannel = new Map()));
  let notifier = byChannel.get(channel);
  if (!notifier) byChannel.set(channel, (notifier = new CommitNotifier(db, channel)));
  return notifier.notify(options.onError ?? (() => {}));
}
