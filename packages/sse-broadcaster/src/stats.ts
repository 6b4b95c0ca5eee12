/** A snapshot of a broadcaster's counters, e.g. for a stats endpoint. */
export interface SSEStats {
  /** Clients connected now. */
  clients: number;
  /** Clients connected now, per filter label (`*` for no filter). */
  clientsByFilter: Record<string, number>;
  /** Calls to `broadcast`. */
  eventsBroadcast: number;
  /** Event frames handed to client transports (one per client per event, replays included). */
  eventsSent: number;
  /** Bytes handed to client transports (events, comments, hints). */
  bytesSent: number;
  /** Heartbeat comments sent. */
  heartbeatsSent: number;
  /** Clients closed because they could not keep up. */
  evictions: number;
  /** `addClient` calls refused by a connection limit. */
  rejectedConnections: number;
  /** Clients resumed from Last-Event-ID by the replay source. */
  resumes: number;
  /** Clients told to reload state (their Last-Event-ID could not be resumed). */
  resets: number;
  /** Replays that failed (the client was closed to retry). */
  replayFailures: number;
  /** Clients removed because their transport failed. */
  transportFailures: number;
}

/** The counters of {@link SSEStats}, kept by the broadcaster. */
export type SSECounters = Omit<SSEStats, "clients" | "clientsByFilter">;

/**
 * Fresh zeroed counters.
 *
 * @example
 * ```ts
 * const counters = newCounters();
 * counters.evictions += 1;
 * ```
 */
export function newCounters(): SSECounters {
  return {
    eventsBroadcast: 0,
    eventsSent: 0,
    bytesSent: 0,
    heartbeatsSent: 0,
    evictions: 0,
    rejectedConnections: 0,
    resumes: 0,
    resets: 0,
    replayFailures: 0,
    transportFailures: 0,
  };
}
