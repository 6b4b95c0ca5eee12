import { listenInThisProcess } from "./local-wakeups.js";
import { checkChannel, DEFAULT_CHANNEL, type WakeSource } from "./wake-source.js";

/** The part of a PGlite instance the listener uses. */
export interface PgliteLike {
  listen(channel: string, callback: (payload: string) => void): Promise<(() => Promise<void>) | (() => void)>;
}

/**
 * Wake-ups from an embedded PGlite instance (`pglite.listen`): in one
 * process there is no connection to lose.
 *
 * @example
 * const { db, pglite } = await createPgliteDatabase();
 * const publisher = createEventPublisher(db, { listen: pgliteListener(pglite) });
 */
export function pgliteListener(pglite: PgliteLike, options: { channel?: string } = {}): WakeSource {
  const channel = checkChannel(options.channel ?? DEFAULT_CHANNEL);
  return {
    async subscribe(onWake) {
      const local = listenInThisProcess(channel, onWake);
      const unlisten = await pglite.listen(channel, local.notified).catch((error: unknown) => {
        local.remove();
        throw error;
      });
      onWake();
      return async () => {
        local.remove();
        await unlisten();
      };
    },
  };
}
