import { appenders } from "./appends.js";
import type { Part } from "./orchestrate.js";
import { APPEND_SECONDS, BACKLOG, DRAIN_TIMEOUT_SECONDS, LATENCY_SECONDS, RATES, SSE_BROADCASTS, SSE_CONNECTIONS, WRITE_SECONDS, WRITERS } from "./settings.js";
import { sseServers } from "./sse.js";
import { formatNumber } from "./svg.js";
import { floorSystems, queueSystems } from "./systems/index.js";

/** The systems in the latency and writer scenarios: each with the settings its docs give for low latency. */
export const LATENCY_SYSTEMS = ["ours feed", "ours group", "Graphile Worker", "pg-boss"];
/** The drain adds each system's throughput settings (the feed drains with batches of 500 only). */
export const DRAIN_SYSTEMS = Object.keys(queueSystems).filter((system) => system !== "ours feed");
/** Latency also measures the floor: a NOTIFY after COMMIT, nothing read. */
export const FLOOR = Object.keys(floorSystems)[0]!;
export const APPEND_SYSTEMS = Object.keys(appenders);

const ms = (value: number) => `${formatNumber(value)} ms`;

export const outboxPart: Part = {
  name: "outbox-peers",
  units: [
    ...RATES.map((rate) => ({
      key: `latency-${rate}`,
      label: `latency at ${rate}/s`,
      systems: [...LATENCY_SYSTEMS, FLOOR],
      scenario: { kind: "latency" as const, rate, seconds: LATENCY_SECONDS },
      batch: "latency",
    })),
    { key: "writers", label: `${WRITERS} writers`, systems: LATENCY_SYSTEMS, scenario: { kind: "writers", writers: WRITERS, seconds: WRITE_SECONDS } },
    { key: "drain", label: `drain ${BACKLOG}`, systems: DRAIN_SYSTEMS, scenario: { kind: "drain", count: BACKLOG, timeoutSeconds: DRAIN_TIMEOUT_SECONDS } },
  ],
  describe: (system) => queueSystems[system] ?? floorSystems[system]!,
  brief(unit, r) {
    if (unit.scenario.kind === "latency")
      return `${formatNumber(r.reached)}/s, commit→handler p50 ${ms(r.commitToHandler.p50)} p99 ${ms(r.commitToHandler.p99)}, begin→handler p50 ${ms(r.beginToHandler.p50)} p99 ${ms(r.beginToHandler.p99)}${r.lost ? `, ${r.lost} NOT HANDLED` : ""}`;
    if (unit.scenario.kind === "writers") return `${formatNumber(r.withConsumerPerSecond)} tx/s = ${r.ratio.toFixed(2)}x plain INSERT (${formatNumber(r.baselinePerSecond)}/s)`;
    return `${formatNumber(r.perSecond)} events/s (${formatNumber(r.seconds)} s${r.handled < r.backlog ? `, only ${r.handled} handled` : ""})`;
  },
  childTimeoutSeconds: Math.max(180, DRAIN_TIMEOUT_SECONDS + 120),
};

export const appendsPart: Part = {
  name: "appends-peers",
  units: [{ key: "appends", label: `appends, ${WRITERS} writers`, systems: APPEND_SYSTEMS, scenario: { kind: "appends", writers: WRITERS, seconds: APPEND_SECONDS } }],
  describe: (system) => appenders[system]!,
  brief: (_unit, r) => `${formatNumber(r.perSecond)} appends/s`,
  derive(_unit, round) {
    const plain = round.get("plain INSERT");
    for (const result of round.values()) if (result && plain) result.ratioToPlainInsert = result.perSecond / plain.perSecond;
  },
  childTimeoutSeconds: 120,
};

export const ssePart: Part = {
  name: "sse-peers",
  units: [
    {
      key: "sse",
      label: `SSE, ${SSE_CONNECTIONS} connections`,
      systems: Object.keys(sseServers),
      scenario: { kind: "sse", connections: SSE_CONNECTIONS, broadcasts: SSE_BROADCASTS },
    },
  ],
  describe: (system) => sseServers[system]!,
  brief: (_unit, r) => `RSS ${formatNumber(r.rssMb)} MB (${formatNumber(r.kbPerConnection)} kB per connection), one event to every client in ${formatNumber(r.reachMs)} ms (slowest ${formatNumber(r.reachMaxMs)} ms)`,
  derive(_unit, round) {
    const bare = round.get("bare node:http");
    for (const result of round.values()) {
      if (!result || !bare) continue;
      result.rssToBare = result.rssMb / bare.rssMb;
      result.reachToBare = result.reachMs / bare.reachMs;
    }
  },
  childTimeoutSeconds: 600,
};
