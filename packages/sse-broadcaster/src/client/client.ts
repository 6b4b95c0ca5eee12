import type { CompiledFilter } from "../filter/compile-filter.js";
import type { ClientHost, QueueLimits } from "./client-host.js";
import { compareLogPositions, type LogPosition } from "../resume/log-position.js";
import type { SSESink } from "./sink.js";

interface HeldFrame {
  readonly id: string;
  readonly frame: Uint8Array;
  readonly at: LogPosition | undefined;
}

/**
 * A coalesced chunk stops growing at this size (a client further behind gets
 * several chunks), and a client with this much waiting flushes at once
 * instead of at the end of the tick.
 */
export const MAX_CHUNK_BYTES = 64 * 1024;

const isEventFrame = (frame: Uint8Array): boolean => frame[0] !== 0x3a && frame[0] !== 0x72; // not ":" (comment) nor "r" (retry hint)

/**
 * One connected client: its filter, its sink and a bounded queue of frames
 * waiting for the transport. Writes are strictly sequential and in order.
 *
 * Coalescing: frames queued in the same tick go to the transport as one
 * chunk when the host flushes at the end of the tick (one write, one
 * syscall, instead of one per frame), and so do frames that waited while
 * the transport was full. Queued frames count toward the bounds like any
 * other; a client whose transport has room is flushed rather than evicted.
 * While the sink is full (its write returned a promise) later frames wait
 * in the queue, and past `maxQueueEvents` or `maxQueueBytes` the host evicts
 * the client rather than grow memory or drop a frame.
 *
 * While resuming, live frames are held (also bounded) until the replay is
 * done, then released minus the ids the replay already sent.
 */
export class SSEClient {
  readonly id: string;
  readonly key: string | undefined;
  readonly filter: CompiledFilter;
  #sink: SSESink;
  #host: ClientHost;
  #limits: QueueLimits;
  #queue: Uint8Array[] | undefined; // allocated on first push, then reused: frames at [#head, length)
  #head = 0;
  #queuedBytes = 0;
  #busy = false;
  #scheduled = false;
  #closed = false;
  #held: HeldFrame[] | undefined;
  #heldBytes = 0;
  /** The log position of the last event sent (or the resume's starting point): nothing at or before it is sent again. */
  #lastSent: LogPosition | undefined;
  #drainWaiters: (() => void)[] | undefined;

  constructor(id: string, key: string | undefined, filter: CompiledFilter, sink: SSESink, host: ClientHost, limits: QueueLimits) {
    this.id = id;
    this.key = key;
    this.filter = filter;
    this.#sink = sink;
    this.#host = host;
    this.#limits = limits;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Nothing in flight and nothing queued: a heartbeat is worth sending. */
  get idle(): boolean {
    return !this.#busy && this.#queued() === 0 && this.#held === undefined;
  }

  /**
   * The transport is full: what is pushed now waits in the queue. While it
   * is not, pushing is safe (the queue flushes before it could overflow).
   */
  get busy(): boolean {
    return this.#busy;
  }

  /**
   * Queues a live event frame, or holds it while a replay is running. A
   * frame whose log position is at or before the last one sent is dropped:
   * the replay already sent it (or the client had it).
   */
  deliver(frame: Uint8Array, eventId: string, at?: LogPosition): void {
    if (at !== undefined && !this.isNew(at)) return;
    if (this.#held === undefined) {
      this.push(frame);
      if (at !== undefined) this.#lastSent = at;
      return;
    }
    if (this.#held.length >= this.#limits.maxQueueEvents || this.#heldBytes + frame.byteLength > this.#limits.maxQueueBytes) {
      return this.#host.overflowed(this);
    }
    this.#held.push({ id: eventId, frame, at });
    this.#heldBytes += frame.byteLength;
  }

  /** Whether an event at `at` comes after the last one sent. */
  isNew(at: LogPosition): boolean {
    return this.#lastSent === undefined || compareLogPositions(at, this.#lastSent) > 0;
  }

  /** Records that the client has everything up to `at` (a replayed event, or its Last-Event-ID's place). */
  sentUpTo(at: LogPosition): void {
    if (this.isNew(at)) this.#lastSent = at;
  }

  /**
   * Queues a frame for the end of the tick, within the bounds. A frame that
   * does not fit while the transport has room flushes the queue first (and
   * goes straight out); only frames waiting on a full transport can overflow.
   */
  push(frame: Uint8Array): void {
    if (this.#closed) return;
    if (!this.#fits(frame)) {
      if (!this.#busy) {
        this.#flushNow();
        if (this.#closed) return;
        if (!this.#busy) return this.#write(frame, frame.byteLength, isEventFrame(frame) ? 1 : 0);
      }
      if (!this.#fits(frame)) return this.#host.overflowed(this);
    }
    (this.#queue ??= []).push(frame);
    this.#queuedBytes += frame.byteLength;
    if (this.#busy) return; // the drain flushes it
    if (this.#queuedBytes >= MAX_CHUNK_BYTES) return this.#flushNow();
    if (!this.#scheduled) {
      this.#scheduled = true;
      this.#host.schedule(this);
    }
  }

  /** End of the tick: hands what was queued to the transport as one chunk. */
  flush(): void {
    this.#scheduled = false;
    this.#flushNow();
  }

  /** Starts holding live frames (resume in progress). */
  hold(): void {
    this.#held ??= [];
  }

  /**
   * Stops holding: queues the held frames except those the replay already
   * covered (by log position, or else by id in `skipIds`).
   */
  release(skipIds: ReadonlySet<string>): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    this.#heldBytes = 0;
    for (const { id, frame, at } of held) {
      if (at === undefined ? skipIds.has(id) : !this.isNew(at)) continue;
      this.push(frame);
      if (at !== undefined) this.#lastSent = at;
    }
  }

  /** Resolves once everything queued went to the transport, or the client closed. */
  whenDrained(): Promise<void> {
    if (this.#closed || (!this.#busy && this.#queued() === 0)) return Promise.resolve();
    return new Promise((resolve) => (this.#drainWaiters ??= []).push(resolve));
  }

  /**
   * Closes the client and ends its sink. With `flush`, frames still queued
   * are handed to the transport first (they are within the queue's bound);
   * without it (eviction, broken transport) they are dropped and the client
   * resumes them with Last-Event-ID. Held live frames of an unfinished resume
   * are always dropped for the same reason. `finalFrame` goes last, past the
   * bound: it is small and says why. Idempotent.
   */
  close(finalFrame?: Uint8Array, flush = true): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    const queue = this.#queue ?? [];
    const frames = flush ? queue.slice(this.#head) : [];
    if (finalFrame !== undefined) frames.push(finalFrame);
    this.#queue = undefined;
    this.#head = 0;
    this.#queuedBytes = 0;
    this.#held = undefined;
    this.#wakeDrainWaiters();
    try {
      if (frames.length > 0) {
        let bytes = 0;
        let events = 0;
        for (const frame of frames) {
          bytes += frame.byteLength;
          if (isEventFrame(frame)) events += 1;
        }
        const chunk = frames.length === 1 ? (frames[0] as Uint8Array) : this.#host.coalesce(frames, 0, frames.length, bytes);
        const pending = this.#sink.write(chunk);
        this.#host.written(bytes, events);
        if (pending !== undefined) pending.catch(() => {});
      }
      return Promise.resolve(this.#sink.close()).catch(() => {});
    } catch {
      return Promise.resolve(); // the transport is already gone: nothing left to end
    }
  }

  #queued(): number {
    return this.#queue === undefined ? 0 : this.#queue.length - this.#head;
  }

  #fits(frame: Uint8Array): boolean {
    return this.#queued() < this.#limits.maxQueueEvents && this.#queuedBytes + frame.byteLength <= this.#limits.maxQueueBytes;
  }

  /** Writes queued frames, up to MAX_CHUNK_BYTES a chunk, while the transport has room. */
  #flushNow(): void {
    const queue = this.#queue;
    while (queue !== undefined && queue.length > this.#head && !this.#busy && !this.#closed) {
      const start = this.#head;
      let end = start;
      let bytes = 0;
      let events = 0;
      for (; end < queue.length; end += 1) {
        const frame = queue[end] as Uint8Array;
        if (end > start && bytes + frame.byteLength > MAX_CHUNK_BYTES) break;
        bytes += frame.byteLength;
        if (isEventFrame(frame)) events += 1;
      }
      const chunk = end - start === 1 ? (queue[start] as Uint8Array) : this.#host.coalesce(queue, start, end, bytes);
      if (end === queue.length) {
        queue.length = 0;
        this.#head = 0;
      } else if (end > 1024) {
        queue.splice(0, end);
        this.#head = 0;
      } else {
        this.#head = end;
      }
      this.#queuedBytes -= bytes;
      this.#write(chunk, bytes, events);
    }
    if (!this.#busy) this.#wakeDrainWaiters();
  }

  #write(chunk: Uint8Array, bytes: number, events: number): void {
    let pending: void | Promise<void>;
    try {
      pending = this.#sink.write(chunk);
    } catch (error) {
      return this.#host.failed(this, error);
    }
    this.#host.written(bytes, events);
    if (pending === undefined) return;
    this.#busy = true;
    pending.then(
      () => {
        this.#busy = false;
        this.#flushNow();
      },
      (error: unknown) => this.#host.failed(this, error),
    );
  }

  #wakeDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = undefined;
    waiters?.forEach((wake) => wake());
  }
}
