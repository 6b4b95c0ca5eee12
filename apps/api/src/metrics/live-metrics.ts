import type { EventPublisher } from "@org/outbox-publisher";
import { readOutboxStats } from "@org/outbox-publisher";
import type { SSEBroadcaster } from "@org/sse-broadcaster";
import type { Kysely } from "kysely";
import type { Metrics } from "./registry.js";

/**
 * Adds the figures the libraries keep (read at each scrape): SSE clients,
 * frames, evictions and refusals; whether this process relays; the outbox
 * backlog, its oldest unpublished event, and the oldest open transaction
 * that holds every commit-safe reader back (PostgreSQL only: one query per
 * scrape, left out of a scrape when the database cannot answer).
 */
export function sampleLiveFeed(metrics: Metrics, deps: { broadcaster: SSEBroadcaster<any>; publisher: EventPublisher; db: Kysely<any>; onPostgres: boolean }): void {
  const { broadcaster, publisher, db } = deps;
  metrics.sample({ name: "sse_clients", help: "Connected SSE clients.", type: "gauge", value: () => broadcaster.getClientCount() });
  metrics.sample({ name: "sse_events_sent_total", help: "Event frames written to SSE clients.", type: "counter", value: () => broadcaster.getStats().eventsSent });
  metrics.sample({ name: "sse_evictions_total", help: "SSE clients closed for falling behind.", type: "counter", value: () => broadcaster.getStats().evictions });
  metrics.sample({ name: "sse_rejected_connections_total", help: "SSE connections refused by a connection limit.", type: "counter", value: () => broadcaster.getStats().rejectedConnections });
  metrics.sample({ name: "sse_resumes_total", help: "SSE clients resumed from Last-Event-ID.", type: "counter", value: () => broadcaster.getStats().resumes });
  metrics.sample({ name: "outbox_is_leader", help: "1 when this process relays the feed.", type: "gauge", value: () => Number(publisher.getStats().isLeader) });
  if (!deps.onPostgres) return;

  // One query per scrape, shared by the three gauges below.
  let pending: Promise<Awaited<ReturnType<typeof readOutboxStats>>> | undefined;
  const stats = () => (pending ??= readOutboxStats(db).finally(() => setTimeout(() => (pending = undefined), 1_000).unref()));
  const seconds = (ms: number | null) => (ms === null ? 0 : ms / 1000);
  metrics.sample({ name: "outbox_backlog", help: "Events the feed has not relayed yet.", type: "gauge", value: async () => (await stats()).backlog });
  metrics.sample({ name: "outbox_oldest_unpublished_seconds", help: "Age of the oldest event not relayed yet (0 when none).", type: "gauge", value: async () => seconds((await stats()).oldestUnpublishedAgeMs) });
  metrics.sample({
    name: "outbox_oldest_open_transaction_seconds",
    help: "Age of the oldest open transaction in this database: it holds every commit-safe reader (relay, resume) back (0 when none).",
    type: "gauge",
    value: async () => seconds((await stats()).oldestOpenTransactionAgeMs),
  });
  metrics.sample({ name: "outbox_feed_dead_letters", help: "Dead letters of the ordered feed.", type: "gauge", value: async () => (await stats()).feedDeadLetters });
}
