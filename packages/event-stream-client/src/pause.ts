/** Whether the client should hold its connection closed right now. */
export interface PauseWatch {
  paused(): boolean;
  /** Stops listening to the page's events. */
  stop(): void;
}

/**
 * Watches `visibilitychange` and `online`/`offline` when asked to, calling
 * `onChange` on every change. Outside browsers it never pauses.
 */
export function watchPause(options: { pauseWhenHidden: boolean; pauseWhenOffline: boolean }, onChange: () => void): PauseWatch {
  const doc = options.pauseWhenHidden && typeof document !== "undefined" ? document : undefined;
  const win = options.pauseWhenOffline && typeof window !== "undefined" ? window : undefined;
  doc?.addEventListener("visibilitychange", onChange);
  win?.addEventListener("online", onChange);
  win?.addEventListener("offline", onChange);
  return {
    paused: () => doc?.visibilityState === "hidden" || (win !== undefined && win.navigator.onLine === false),
    stop() {
      doc?.removeEventListener("visibilitychange", onChange);
      win?.removeEventListener("online", onChange);
      win?.removeEventListener("offline", onChange);
    },
  };
}
