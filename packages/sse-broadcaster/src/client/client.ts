import type { CompiledFilter } from "../filter/compile-filter.js";
import type { ClientHost, QueueLimits } from "./client-host.js";
import type { SSESink } from "./sink.js";

interface HeldFrame {
  readonly id: string;
  readonly frame: Uint8Array;
}

/**
 * One connected client: its filter, its sink and a bounded queue of frames
 * waiting for the transport. Writes are strictly sequential: while the sink
 * is full (its write returned a promise) later frames wait in the queue, and
 * past `maxQueueEvents` or `maxQueueBytes` the host evicts the client rather
 * than grow memory or drop a frame.
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
  #queue: Uint8Array[] | undefined; // allocated on first backpressure only: most clients never need it
  #queuedBytes = 0;
  #busy = false;
  #closed = false;
  #held: HeldFrame[] | undefined;
  #heldBytes = 0;
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
    return !this.#busy && (this.#queue === undefined || this.#queue.length === 0) && this.#held === undefined;
  }

  /** Queues a live event frame, or holds it while a replay is running. */
  deliver(frame: Uint8Array, eventId: string): void {
    if (this.#held === undefined) return this.push(frame);
    if (this.#held.length >= this.#limits.maxQueueEvents || this.#heldBytes + frame.byteLength > this.#limits.maxQueueBytes) {
      return this.#host.overflowed(this);
    }
    this.#held.push({ id: eventId, frame });
    this.#heldBytes += frame.byteLength;
  }

  /** Writes now if the transport has room, else queues within the bounds. */
  push(frame: Uint8Array): void {
    if (this.#closed) return;
    const queue = this.#queue;
    if (!this.#busy && (queue === undefined || queue.length === 0)) return this.#write(frame);
    if ((queue?.length ?? 0) >= this.#limits.maxQueueEvents || this.#queuedBytes + frame.byteLength > this.#limits.maxQueueBytes) {
      return this.#host.overflowed(this);
    }
    (this.#queue ??= []).push(frame);
    this.#queuedBytes += frame.byteLength;
  }

  /** Starts holding live frames (resume in progress). */
  hold(): void {
    this.#held ??= [];
  }

  /** Stops holding: queues the held frames except those whose id was replayed. */
  release(skipIds: ReadonlySet<string>): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    this.#heldBytes = 0;
    for (const { id, frame } of held) if (!skipIds.has(id)) this.push(frame);
  }

  /** Resolves once everything queued went to the transport, or the client closed. */
  whenDrained(): Promise<void> {
    if (this.#closed || (!this.#busy && !this.#queue?.length)) return Promise.resolve();
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
    const queued = flush ? (this.#queue ?? []) : [];
    this.#queue = undefined;
    this.#held = undefined;
    this.#wakeDrainWaiters();
    try {
      for (const frame of finalFrame === undefined ? queued : [...queued, finalFrame]) {
        const pending = this.#sink.write(frame);
        this.#host.written(frame);
        if (pending !== undefined) pending.catch(() => {});
      }
      return Promise.resolve(this.#sink.close()).catch(() => {});
    } catch {
      return Promise.resolve(); // the transport is already gone: nothing left to end
    }
  }

  #write(frame: Uint8Array): void {
    let pending: void | Promise<void>;
    try {
      pending = this.#sink.write(frame);
    } catch (error) {
      return this.#host.failed(this, error);
    }
    this.#host.written(frame);
    if (pending === undefined) return;
    this.#busy = true;
    pending.then(
      () => this.#drain(),
      (error: unknown) => this.#host.failed(this, error),
    );
  }

  #drain(): void {
    this.#busy = false;
    const queue = this.#queue;
    while (queue !== undefined && queue.length > 0 && !this.#busy && !this.#closed) {
      const frame = queue.shift() as Uint8Array;
      this.#queuedBytes -= frame.byteLength;
      this.#write(frame);
    }
    if (!this.#busy) this.#wakeDrainWaiters();
  }

  #wakeDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = undefined;
    waiters?.forEach((wake) => wake());
  }
}
