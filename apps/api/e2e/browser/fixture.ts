/**
 * Browser side of the client's e2e tests: bundled by e2e/support/browser-fixture.ts
 * and loaded into headless Chromium on the API's origin. Tests drive it
 * through `window.fx`. Type-checked with the app (tsconfig includes e2e/browser).
 */
import { createEventStreamClient, type EventStreamClient, type StreamReset } from "@org/event-stream-client";
import { createEventStreamContext } from "@org/event-stream-client/react";
import type { PlatformCatalog, WireEvents } from "@org/events";
import { createElement, StrictMode } from "react";
import { createRoot } from "react-dom/client";

type Events = WireEvents<PlatformCatalog>;
const SETTLEMENT_TYPES = [
  "settlement.created",
  "settlement.status_changed",
  "settlement.confirmation_progress",
  "settlement.network_selected",
  "settlement.gas_estimated",
  "settlement.settled",
  "settlement.failed",
] as const satisfies ReadonlyArray<keyof Events>;

/** What one client saw. */
interface Seen {
  /** `type id settlement_id` of every event handed to a handler. */
  events: string[];
  /** `confirmations / required` of each progress event, read through the typed payload. */
  progress: string[];
  statuses: string[];
  errors: string[];
  resets: StreamReset[];
  /** The `refresh` flag of each getHeaders call. */
  headerCalls: boolean[];
}

/** How a test starts a client. */
interface StartOptions {
  apiKey: string;
  /** `header`: Authorization with the API key; `cookie`: a stream token from POST /api/v1/events/token. */
  auth: "header" | "cookie";
  lastEventId?: string;
  pauseWhenOffline?: boolean;
  pauseWhenHidden?: boolean;
}

let client: EventStreamClient<Events> | undefined;
let streamFetches = 0;
const record: Seen = { events: [], progress: [], statuses: [], errors: [], resets: [], headerCalls: [] };

// Counts the requests to the stream, whoever makes them.
const nativeFetch = window.fetch.bind(window);
window.fetch = (input, init) => {
  if (String(input instanceof Request ? input.url : input).includes("/api/v1/events/stream")) streamFetches += 1;
  return nativeFetch(input, init);
};

async function streamToken(apiKey: string): Promise<void> {
  const response = await nativeFetch("/api/v1/events/token", { method: "POST", headers: { Authorization: `Bearer ${apiKey}` } });
  if (response.status !== 201) throw new Error(`POST /api/v1/events/token answered ${response.status}`);
}

function start(options: StartOptions): void {
  client = createEventStreamClient<Events>("/api/v1/events/stream?types=settlement.*", {
    lastEventId: options.lastEventId,
    pauseWhenOffline: options.pauseWhenOffline ?? false,
    pauseWhenHidden: options.pauseWhenHidden ?? false,
    async getHeaders({ refresh }): Promise<Record<string, string>> {
      record.headerCalls.push(refresh);
      if (options.auth === "header") return { Authorization: `Bearer ${options.apiKey}` };
      if (refresh || record.headerCalls.length === 1) await streamToken(options.apiKey);
      return {};
    },
  });
  record.statuses.push(client.status);
  for (const type of SETTLEMENT_TYPES) {
    client.on(type, (event) => void record.events.push(`${event.type} ${event.id} ${event.payload.settlement_id}`));
  }
  client.on("settlement.confirmation_progress", ({ payload }) => void record.progress.push(`${payload.confirmations} / ${payload.required}`));
  client.onReset((reset) => void record.resets.push(reset));
  client.onStatus(({ status, error }) => {
    if (record.statuses.at(-1) !== status) record.statuses.push(status);
    if (error && record.errors.at(-1) !== error.code) record.errors.push(error.code);
  });
}

/** Two components under one provider: a progress figure and a connection badge. */
function mountReact(apiKey: string, settlementId: string): void {
  const { EventStreamProvider, useEventStream } = createEventStreamContext<Events>();
  function Progress() {
    const { value } = useEventStream(
      ["settlement.confirmation_progress"],
      (event, previous) => (event.payload.settlement_id === settlementId ? event.payload.confirmations : previous),
      0,
    );
    return createElement("output", { id: "progress" }, String(value));
  }
  function Badge() {
    const { status, value } = useEventStream(["settlement.status_changed"], (event) => event.payload.to_status, "none");
    return createElement("output", { id: "badge", className: status }, value);
  }
  const root = document.createElement("div");
  document.body.append(root);
  createRoot(root).render(
    createElement(
      StrictMode,
      null,
      createElement(
        EventStreamProvider,
        { url: `/api/v1/events/stream?types=settlement.*&aggregate_id=${settlementId}`, options: { headers: { Authorization: `Bearer ${apiKey}` } } },
        createElement(Progress),
        createElement(Badge),
      ),
    ),
  );
}

/** Pretends the tab is hidden or visible again (headless Chromium pages are always visible). */
function setHidden(hidden: boolean): void {
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => (hidden ? "hidden" : "visible") });
  document.dispatchEvent(new Event("visibilitychange"));
}

const fx = {
  setHidden,
  start,
  mountReact,
  record,
  status: () => client?.status,
  lastEventId: () => client?.lastEventId,
  paused: () => client?.paused,
  streamFetches: () => streamFetches,
  close: () => client?.close(),
};

declare global {
  interface Window {
    fx: typeof fx;
  }
}
window.fx = fx;
