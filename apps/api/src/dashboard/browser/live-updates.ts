import { createEventStreamClient, type EventStreamClient, type StreamState } from "@org/event-stream-client";
import type { PlatformCatalog, WireEvents } from "@org/events";
import { api, renewStreamToken, UnauthorizedError } from "./api.js";
import { clearTable, hasRow, renderSettlement, setNetwork, setProgress, setStatus, type SettlementRow } from "./settlement-table.js";

type Events = WireEvents<PlatformCatalog>;

/** What the live list needs from the page. */
export interface LiveListHooks {
  onState(state: StreamState): void;
  onError(error: unknown): void;
}

/**
 * Lists the tenant's settlements and keeps them live: stream first, then
 * the list, so a change committed in between is seen by one or the other.
 * Events that arrive while the list loads wait, then apply on top of it.
 * The stream authenticates with the stream-token cookie; after a 401 the
 * client asks for a fresh token and reconnects from the last event id.
 */
export function startLiveList(hooks: LiveListHooks): EventStreamClient<Events> {
  let loaded = false;
  let held: Array<() => void> = [];
  let tokenFetched = false;
  const client = createEventStreamClient<Events>("/api/v1/events/stream?types=settlement.*", {
    async getHeaders({ refresh }) {
      try {
        if (refresh || !tokenFetched) await renewStreamToken();
      } catch (error) {
        // A refused API key is for the page to handle (it shows the login form and closes this client).
        if (error instanceof UnauthorizedError) hooks.onError(error);
        throw error;
      }
      tokenFetched = true;
      return {};
    },
  });
  let previous = client.status;
  client.onStatus((state) => {
    hooks.onState(state);
    // Back after a drop with no event id to resume from: what changed meanwhile is only in the list.
    if (state.status === "open" && previous === "reconnecting" && client.lastEventId === undefined) void loadList().catch(hooks.onError);
    previous = state.status;
  });

  /** Runs `apply` now, or once the list is loaded. */
  const whenLoaded = (apply: () => void) => (loaded ? apply() : held.push(apply));

  /** True when the row is shown; otherwise fetches it (its state is at least as new as the event that asked). */
  const ensureRow = (id: string) => {
    if (hasRow(id)) return true;
    api<SettlementRow>(`/api/v1/settlements/${encodeURIComponent(id)}`).then(renderSettlement, hooks.onError);
    return false;
  };

  client.on("settlement.created", ({ payload }) => whenLoaded(() => void ensureRow(payload.settlement_id)));
  client.on("settlement.status_changed", ({ payload }) =>
    whenLoaded(() => ensureRow(payload.settlement_id) && setStatus(payload.settlement_id, payload.to_status)),
  );
  client.on("settlement.confirmation_progress", ({ payload }) =>
    whenLoaded(() => ensureRow(payload.settlement_id) && setProgress(payload.settlement_id, payload.confirmations, payload.required)),
  );
  client.on("settlement.network_selected", ({ payload }) => whenLoaded(() => setNetwork(payload.settlement_id, payload.network)));

  async function loadList(): Promise<void> {
    loaded = false;
    const page = await api<{ data: SettlementRow[] }>("/api/v1/settlements?limit=100");
    clearTable();
    for (const settlement of page.data.slice().reverse()) renderSettlement(settlement);
    loaded = true;
    const waiting = held;
    held = [];
    for (const apply of waiting) apply();
  }
  // The server could not resume from our last id: reload the list instead of trusting a gap.
  client.onReset(() => void loadList().catch(hooks.onError));
  void loadList().catch(hooks.onError);
  return client;
}
