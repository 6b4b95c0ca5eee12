/**
 * Settles as `command` does, or rejects with `closed()` once `signal`
 * aborts, whichever comes first: a command on a connection that is
 * reconnecting may never settle once it is closed. The abort listener is
 * removed when the command settles, so a long-lived signal holds nothing of
 * the commands raced against it (a race against one never-settling promise
 * kept every result alive until close).
 */
export function untilAborted<T>(command: Promise<T>, signal: AbortSignal, closed: () => Error): Promise<T> {
  command.catch(() => {}); // settling after the abort is nobody's concern
  if (signal.aborted) return Promise.reject(closed());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(closed());
    signal.addEventListener("abort", onAbort, { once: true });
    command.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
