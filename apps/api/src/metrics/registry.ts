import type { OutboxMetric } from "@org/outbox-publisher";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** A figure read at each scrape from a library's stats (they keep their own counters; prom-client stays in the app). */
export interface SampledMetric {
  name: string;
  help: string;
  type: "gauge" | "counter";
  /** Read at scrape time; a rejection leaves the figure out of that scrape. */
  value: () => number | null | Promise<number | null>;
}

/** The process's Prometheus metrics (prom-client), rendered on `GET /metrics`. */
export interface Metrics {
  readonly registry: Registry;
  /** Times one answered request under its route pattern (never the raw path: ids would explode the label set). */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** The publisher's `onMetric` hook: relayed, retried, dead-lettered, commit-to-relay latency, leadership, errors. */
  onOutboxMetric(metric: OutboxMetric): void;
  /** Adds figures read at each scrape. */
  sample(metric: SampledMetric): void;
  /** The exposition text and its content type. */
  render(): Promise<{ text: string; contentType: string }>;
}

const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const RELAY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Creates a registry of its own (never the global one, so two apps in one
 * process, as in tests, do not collide) with the default process metrics.
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const httpDuration = new Histogram({
    name: "http_request_duration_seconds",
    help: "Time to answer an HTTP request (an SSE stream: until its headers), by route pattern and status.",
    labelNames: ["method", "route", "status"] as const,
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  const relayLatency = new Histogram({
    name: "outbox_commit_to_relay_seconds",
    help: "From an event's writing transaction to its hand-over to the bus (the feed) or its handler (workers).",
    labelNames: ["source"] as const,
    buckets: RELAY_BUCKETS,
    registers: [registry],
  });
  const relayed = new Counter({ name: "outbox_events_relayed_total", help: "Events handed over successfully.", labelNames: ["source"] as const, registers: [registry] });
  const retried = new Counter({ name: "outbox_events_retried_total", help: "Hand-overs that failed and were scheduled again.", labelNames: ["source"] as const, registers: [registry] });
  const deadLettered = new Counter({ name: "outbox_events_dead_lettered_total", help: "Events given up on (dead letters).", labelNames: ["source"] as const, registers: [registry] });
  const leaseLost = new Counter({ name: "outbox_leases_lost_total", help: "Worker claims taken over before they were settled.", labelNames: ["source"] as const, registers: [registry] });
  const errors = new Counter({ name: "outbox_errors_total", help: "Errors the publisher recovered from (a lost database connection, a failed read).", labelNames: ["source"] as const, registers: [registry] });
  const leadership = new Counter({ name: "outbox_leadership_changes_total", help: "Times this process took or lost the relay's leadership.", labelNames: ["change"] as const, registers: [registry] });

  return {
    registry,
    observeRequest(method, route, status, seconds) {
      httpDuration.observe({ method, route, status: String(status) }, seconds);
    },
    onOutboxMetric(metric) {
      switch (metric.type) {
        case "delivered":
          relayed.inc({ source: metric.source });
          relayLatency.observe({ source: metric.source }, Math.max(0, metric.latencyMs) / 1000);
          break;
        case "retry_scheduled":
          retried.inc({ source: metric.source });
          break;
        case "dead_lettered":
          deadLettered.inc({ source: metric.source });
          break;
        case "lease_lost":
          leaseLost.inc({ source: metric.source });
          break;
        case "leadership_acquired":
        case "leadership_lost":
          leadership.inc({ change: metric.type === "leadership_acquired" ? "acquired" : "lost" });
          break;
        case "error":
          errors.inc({ source: metric.source });
          break;
      }
    },
    sample({ name, help, type, value }) {
      const read = async () => {
        try {
          return await value();
        } catch {
          return null;
        }
      };
      if (type === "gauge") {
        new Gauge({
          name,
          help,
          registers: [registry],
          async collect() {
            const figure = await read();
            if (figure === null) this.reset();
            else this.set(figure);
          },
        });
      } else {
        new Counter({
          name,
          help,
          registers: [registry],
          async collect() {
            const figure = await read();
            this.reset();
            if (figure !== null) this.inc(figure);
          },
        });
      }
    },
    async render() {
      return { text: await registry.metrics(), contentType: registry.contentType };
    },
  };
}
