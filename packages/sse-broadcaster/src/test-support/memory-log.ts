import { SSEError } from "../errors.js";
import type { BroadcastEvent } from "../filter/filter.js";
import type { ReplaySource } from "../resume/replay-source.js";

/**
 * An in-memory event log standing in for @org/events' store: publishing
 * appends, then broadcasts. Its replay source yields one event per macrotask
 * and reads the log as it grows, so live events land while a replay runs and
 * overlap its tail: the race the resume protocol must survive.
 */
export function memoryLog(publishTo: (event: BroadcastEvent) => void) {
  const events: BroadcastEvent[] = [];
  let sequence = 0;
  const replay: ReplaySource<BroadcastEvent> = async function* ({ lastEventId }) {
    const at = events.findIndex((event) => event.id === lastEventId);
    if (at === -1) throw new SSEError("unknown_last_event_id", `no event ${lastEventId} in the log`);
    for (let i = at + 1; i < events.length; i += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      yield events[i] as BroadcastEvent;
    }
  };
  return {
    events,
    replay,
    publish(extra: Partial<BroadcastEvent> = {}): BroadcastEvent {
      sequence += 1;
      const event = { id: `evt_${String(sequence).padStart(5, "0")}`, eventType: "tick", payload: { n: sequence }, ...extra };
      events.push(event);
      publishTo(event);
      return event;
    },
  };
}
