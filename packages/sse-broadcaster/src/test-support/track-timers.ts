import { vi } from "vitest";

/**
 * Records every timer created with one of `delays` (ms) and tells which are
 * still pending: neither cleared nor fired. Matching on delay keeps timers
 * of the test's own helpers and clients out of the count.
 */
export function trackTimers(delays: number[]) {
  const pending = new Set<unknown>();
  type Schedule = (callback: () => void, delay?: number, ...args: unknown[]) => NodeJS.Timeout;
  const realSetTimeout = globalThis.setTimeout as unknown as Schedule;
  const realSetInterval = globalThis.setInterval as unknown as Schedule;
  const realClearTimeout = globalThis.clearTimeout;
  const realClearInterval = globalThis.clearInterval;
  const spies = [
    vi.spyOn(globalThis, "setTimeout").mockImplementation(((callback: () => void, delay?: number, ...args: unknown[]) => {
      if (!delays.includes(delay ?? 0)) return realSetTimeout(callback, delay, ...args);
      const handle = realSetTimeout(() => {
        pending.delete(handle);
        callback();
      }, delay);
      pending.add(handle);
      return handle;
    }) as typeof setTimeout),
    vi.spyOn(globalThis, "setInterval").mockImplementation(((callback: () => void, delay?: number, ...args: unknown[]) => {
      const handle = realSetInterval(callback, delay, ...args);
      if (delays.includes(delay ?? 0)) pending.add(handle);
      return handle;
    }) as typeof setInterval),
    vi.spyOn(globalThis, "clearTimeout").mockImplementation((handle) => {
      pending.delete(handle);
      realClearTimeout(handle);
    }),
    vi.spyOn(globalThis, "clearInterval").mockImplementation((handle) => {
      pending.delete(handle);
      realClearInterval(handle);
    }),
  ];
  return {
    pending: () => pending.size,
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}
