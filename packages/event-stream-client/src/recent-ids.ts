/**
 * The last `capacity` event ids seen, to drop an event delivered twice.
 * Insertion-ordered: the oldest id is forgotten first.
 */
export class RecentIds {
  readonly #ids = new Set<string>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** True when `id` was seen already; otherwise remembers it and returns false. */
  seen(id: string): boolean {
    if (this.#ids.has(id)) return true;
    if (this.#capacity === 0) return false;
    this.#ids.add(id);
    if (this.#ids.size > this.#capacity) this.#ids.delete(this.#ids.values().next().value!);
    return false;
  }
}
