/** A gauge or counter read at scrape time from a library's stats. */
export interface SampledMetric {
  name: string;
  help: string;
  type: "gauge" | "counter";
  value: () => number;
}

/** Request counters and sampled figures, rendered in the Prometheus text format. */
export interface Metrics {
  /** Counts one answered request under its route pattern (never the raw path: ids would explode the label set). */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** Adds figures read at each scrape. */
  sample(metric: SampledMetric): void;
  /** The exposition text of `GET /metrics`. */
  render(): string;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Creates the process's metrics registry. */
export function createMetrics(): Metrics {
  const requests = new Map<string, { labels: string; count: number; seconds: number }>();
  const sampled: SampledMetric[] = [];

  return {
    observeRequest(method, route, status, seconds) {
      const labels = `method="${escapeLabel(method)}",route="${escapeLabel(route)}",status="${status}"`;
      const entry = requests.get(labels) ?? { labels, count: 0, seconds: 0 };
      entry.count += 1;
      entry.seconds += seconds;
      requests.set(labels, entry);
    },
    sample(metric) {
      sampled.push(metric);
    },
    render() {
      const lines = [
        "# HELP http_requests_total HTTP requests answered.",
        "# TYPE http_requests_total counter",
        ...[...requests.values()].map((e) => `http_requests_total{${e.labels}} ${e.count}`),
        "# HELP http_request_duration_seconds_total Seconds spent answering HTTP requests.",
        "# TYPE http_request_duration_seconds_total counter",
        ...[...requests.values()].map((e) => `http_request_duration_seconds_total{${e.labels}} ${e.seconds}`),
      ];
      for (const metric of sampled) {
        lines.push(`# HELP ${metric.name} ${metric.help}`, `# TYPE ${metric.name} ${metric.type}`, `${metric.name} ${metric.value()}`);
      }
      return `${lines.join("\n")}\n`;
    },
  };
}
