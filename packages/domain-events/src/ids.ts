/** Crockford's base32, the ULID alphabet. */
const ENCODING = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** Random bytes fetched at once: one call to the system's generator per 409 ids. */
const POOL_BYTES = 4096;
const RANDOM_BYTES = 10;

/**
 * A ULID generator: 48 bits of milliseconds and 80 random bits, 26
 * characters that sort in the order they were made. Within one millisecond
 * (or while the clock stands still or goes back) the random part of the
 * previous id is incremented, so ids stay strictly increasing in a process;
 * if it would overflow, the time part moves on by one millisecond.
 * Exported for tests; use {@link generateId}.
 */
export function createUlidFactory(
  now: () => number = Date.now,
  fillRandom: (bytes: Uint8Array) => void = (bytes) => void globalThis.crypto.getRandomValues(bytes),
): () => string {
  const pool = new Uint8Array(POOL_BYTES);
  let offset = POOL_BYTES;
  const random = new Uint8Array(RANDOM_BYTES);
  let lastTime = -1;

  function freshRandom(): void {
    if (offset + RANDOM_BYTES > POOL_BYTES) {
      fillRandom(pool);
      offset = 0;
    }
    random.set(pool.subarray(offset, offset + RANDOM_BYTES));
    offset += RANDOM_BYTES;
  }

  /** Adds one to the 80-bit random part; false when it wrapped around to zero. */
  function incrementRandom(): boolean {
    for (let i = RANDOM_BYTES - 1; i >= 0; i -= 1) {
      if (random[i] !== 0xff) {
        random[i]! += 1;
        return true;
      }
      random[i] = 0;
    }
    return false;
  }

  return function nextUlid(): string {
    let time = now();
    if (time > lastTime) {
      freshRandom();
    } else {
      time = lastTime;
      if (!incrementRandom()) {
        time += 1;
        freshRandom();
      }
    }
    lastTime = time;
    return encodeTime(time) + encodeForty(random, 0) + encodeForty(random, 5);
  };
}

function encodeTime(time: number): string {
  let text = "";
  for (let i = 0; i < 10; i += 1) {
    text = ENCODING[time % 32]! + text;
    time = Math.floor(time / 32);
  }
  return text;
}

/** Five bytes (40 bits, exact in a double) as eight characters. */
function encodeForty(bytes: Uint8Array, start: number): string {
  let value = bytes[start]! * 2 ** 32 + (((bytes[start + 1]! << 24) | (bytes[start + 2]! << 16) | (bytes[start + 3]! << 8) | bytes[start + 4]!) >>> 0);
  let text = "";
  for (let i = 0; i < 8; i += 1) {
    text = ENCODING[value % 32]! + text;
    value = Math.floor(value / 32);
  }
  return text;
}

const nextUlid = createUlidFactory();

/**
 * A new id `<prefix>_<ULID>`; ULIDs are monotonic within a process, so ids
 * made later sort later.
 *
 * @example
 * generateId("stl"); // "stl_01JQXR5..."
 */
export function generateId(prefix: string): string {
  return `${prefix}_${nextUlid()}`;
}

/**
 * A new event id, `evt_<ULID>`.
 *
 * @example
 * newEventId(); // "evt_01JQXR5..."
 */
export function newEventId(): string {
  return generateId("evt");
}
