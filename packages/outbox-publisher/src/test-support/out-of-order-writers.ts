import type { Kysely } from "kysely";
import { notifyEventsCommitted } from "../wake/notify.js";
import { writer } from "./fixtures.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Writes `waves` waves of `concurrent` transactions at once; each inserts
 * `perTransaction` events of its own aggregate, then waits a random few ms
 * before committing, so commits land out of transaction-id and position
 * order. Each commit is followed by a NOTIFY. Returns the ids written.
 */
export async function writeOutOfOrder(
  db: Kysely<any>,
  { waves, concurrent, perTransaction, aggregatesPerWriter = 5 }: { waves: number; concurrent: number; perTransaction: number; aggregatesPerWriter?: number },
): Promise<string[]> {
  const ids: string[] = [];
  for (let wave = 0; wave < waves; wave++) {
    await Promise.all(
      Array.from({ length: concurrent }, async (_, w) => {
        const aggregateId = `w${w}_${wave % aggregatesPerWriter}`;
        const written = await db.transaction().execute(async (tx) => {
          await sleep(Math.random() * 3);
          const events = Array.from({ length: perTransaction }, (_, n) => ({
            aggregateType: "thing",
            aggregateId,
            eventType: "test.happened" as const,
            payload: { n },
          }));
          const result = await writer.recordEvents(tx, events);
          await sleep(Math.random() * 8);
          return result;
        });
        ids.push(...written);
        void notifyEventsCommitted(db);
      }),
    );
  }
  return ids;
}
