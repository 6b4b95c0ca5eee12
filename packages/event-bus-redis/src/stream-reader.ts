import type { Checkpoint, DomainEvent } from "@org/events";
import type { Redis } from "ioredis";
import { abortableDelay } from "./abortable-delay.js";
import { decodeEntry } from "./entry.js";
import { checkpointOfKey } from "./log-key.js";
import { POSITION_SCRIPT, Script } from "./scripts.js";

/** Why a reader may have missed entries (see `StreamReset`). */
export type HoleReason = "trimmed" | "stream_replaced" | "publisher_gap";

/** What a {@link StreamReader} needs from its bus. */
export interface StreamReaderDeps {
  /** A connection of its own (a blocking read holds it), reconnecting by itself. */
  connection: Redis;
  /** The stream and its head. */
  keys: [stream: string, head: string];
  readCount: number;
  blockMs: number;
  retryDelayMs: number;
  /** Aborted by close(). */
  signal: AbortSignal;
  /** Races a command against close(): one on a reconnecting connection may never settle. */
  untilClosed: <T>(command: Promise<T>) => Promise<T>;
  report(error: unknown): void;
  /** Hands an event to the subscribers; awaited before the next. */
  deliver(event: DomainEvent): Promise<void>;
  /** Signals a hole; awaited (until it is filled) before the next delivery. */
  hole(reason: HoleReason, lastDelivered: Checkpoint | null): Promise<void>;
  /** Counters the bus reports. */
  stats: { skipped: number; reconnects: number };
}

const positionScript = new Script(POSITION_SCRIPT);

/**
 * Reads one stream with `XREAD BLOCK` from the last stream id it read, so a
 * dropped connection resumes where it stopped. Checks each entry against
 * the one before it (the `previous` log key, the publisher's gap mark, the
 * stream's epoch) and signals a hole before delivering past one; never
 * delivers an event at or before one it delivered. After a reconnection it
 * first checks that the stream is still the one it was reading (a Redis
 * restart without persistence starts a new one: read from its start).
 */
export class StreamReader {
  readonly #deps: StreamReaderDeps;
  /** The stream id to read after. */
  #lastId = "0-0";
  /** The log key the next entry must follow; null: any (after a reset). */
  #expectedPrevious: string | null = null;
  /** The highest log key delivered. */
  #deliveredKey: string | null = null;
  /** The stream's epoch; null: adopt the next one seen. */
  #epoch: string | null = null;
  #verify = false;

  constructor(deps: StreamReaderDeps) {
    this.#deps = deps;
    let readyBefore = false;
    deps.connection.on("ready", () => {
      if (readyBefore) deps.stats.reconnects += 1;
      readyBefore = true;
      this.#verify = true;
    });
  }

  /** Finds the stream's current end; resolves with the reading loop (which ends at close). */
  async start(): Promise<{ loop: Promise<void> }> {
    const at = await this.#position();
    this.#lastId = at.id;
    this.#expectedPrevious = at.key;
    this.#epoch = at.epoch;
    this.#verify = false;
    return { loop: this.#readLoop() };
  }

  async #position(): Promise<{ id: string; key: string; epoch: string | null }> {
    const { connection, keys, untilClosed } = this.#deps;
    const [id, key, epoch] = await untilClosed(positionScript.run<[string, string, string]>(connection, keys, []));
    return { id, key, epoch: epoch === "" ? null : epoch };
  }

  #hole(reason: HoleReason): Promise<void> {
    return this.#deps.hole(reason, this.#deliveredKey === null ? null : checkpointOfKey(this.#deliveredKey));
  }

  async #take(raw: [string, string[]]): Promise<void> {
    this.#lastId = raw[0];
    let entry;
    try {
      entry = decodeEntry(raw);
    } catch (error) {
      this.#deps.report(error);
      return;
    }
    let reason: HoleReason | undefined;
    if (this.#epoch !== null && entry.epoch !== this.#epoch) reason = "stream_replaced";
    else if (entry.publisherGap) reason = "publisher_gap";
    else if (this.#expectedPrevious !== null && entry.previous !== this.#expectedPrevious) reason = "trimmed";
    this.#epoch = entry.epoch;
    this.#expectedPrevious = entry.key;
    if (reason !== undefined) await this.#hole(reason);
    if (this.#deliveredKey !== null && entry.key <= this.#deliveredKey) {
      this.#deps.stats.skipped += 1;
      return;
    }
    this.#deliveredKey = entry.key;
    await this.#deps.deliver(entry.event);
  }

  async #checkStream(): Promise<void> {
    const at = await this.#position();
    if (this.#epoch !== null && at.epoch !== this.#epoch) {
      // The stream read so far is gone: read the new one from its start.
      this.#epoch = at.epoch;
      this.#lastId = "0-0";
      this.#expectedPrevious = null;
      await this.#hole("stream_replaced");
    }
  }

  async #readLoop(): Promise<void> {
    const { connection, keys, readCount, blockMs, retryDelayMs, signal, untilClosed, report } = this.#deps;
    while (!signal.aborted) {
      try {
        if (this.#verify) {
          this.#verify = false;
          await this.#checkStream();
        }
        const reply = (await untilClosed(connection.xread("COUNT", readCount, "BLOCK", blockMs, "STREAMS", keys[0], this.#lastId))) as
          | [string, [string, string[]][]][]
          | null;
        for (const [, entries] of reply ?? []) {
          for (const raw of entries) {
            if (signal.aborted) return;
            await this.#take(raw);
          }
        }
      } catch (error) {
        if (signal.aborted) return;
        report(error);
        this.#verify = true;
        await abortableDelay(retryDelayMs, signal);
      }
    }
  }
}
