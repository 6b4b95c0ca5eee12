export { createMetrics } from "./registry.js";
export type { Metrics, SampledMetric } from "./registry.js";
export { sampleLiveFeed } from "./live-metrics.js";
export { sampleInstanceFeed } from "./instance-feed-metrics.js";
