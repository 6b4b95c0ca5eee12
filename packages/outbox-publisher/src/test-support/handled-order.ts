import type { Handled } from "./processes.js";

/** Handled records by aggregate, each in the order the handling started. */
export function byAggregate(handled: readonly Handled[]): Map<string, Handled[]> {
  const map = new Map<string, Handled[]>();
  for (const record of [...handled].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0))) {
    let list = map.get(record.aggregateId);
    if (!list) map.set(record.aggregateId, (list = []));
    list.push(record);
  }
  return map;
}

/**
 * Problems with per-aggregate order: the first handling of each version
 * must come in version order, and (without crashes) one handling must end
 * before the next of its aggregate starts.
 */
export function aggregateOrderProblems(handled: readonly Handled[], { strict }: { strict: boolean }): string[] {
  const problems: string[] = [];
  for (const [aggregateId, records] of byAggregate(handled)) {
    const seen = new Set<number>();
    let expected = 1;
    for (const record of records) {
      if (seen.has(record.version)) continue;
      seen.add(record.version);
      if (record.version !== expected) problems.push(`${aggregateId}: version ${record.version} handled where ${expected} was due`);
      expected = record.version + 1;
    }
    if (!strict) continue;
    for (let i = 1; i < records.length; i++) {
      if (records[i]!.start < records[i - 1]!.end) problems.push(`${aggregateId}: v${records[i]!.version} started before v${records[i - 1]!.version} ended`);
    }
  }
  return problems;
}

/** How often each event id was handled. */
export function countById(handled: readonly Handled[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const record of handled) counts.set(record.eventId, (counts.get(record.eventId) ?? 0) + 1);
  return counts;
}
