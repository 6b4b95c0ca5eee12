import { appendFileSync } from "node:fs";

/** Whether this is the full `pnpm test:chaos` run (CHAOS_FULL=1) rather than the short CI form. */
export const FULL = process.env.CHAOS_FULL === "1";

/** Picks the short or the full figure. */
export const scale = <T>(short: T, full: T): T => (FULL ? full : short);

/** One scenario's count, printed and (with CHAOS_REPORT=path) appended as a JSON line. */
export interface ScenarioCount {
  scenario: string;
  written: number;
  delivered: number;
  lost: number;
  duplicates: number;
  [detail: string]: unknown;
}

/** Prints `[chaos] <scenario> written=… delivered=… lost=… duplicates=…` and the details. */
export function report(count: ScenarioCount): void {
  const { scenario, written, delivered, lost, duplicates, ...details } = count;
  console.log(`[chaos] ${scenario}: written=${written} delivered=${delivered} lost=${lost} duplicates=${duplicates} ${JSON.stringify(details)}`);
  if (process.env.CHAOS_REPORT) appendFileSync(process.env.CHAOS_REPORT, `${JSON.stringify({ ...count, full: FULL, at: new Date().toISOString() })}\n`);
}
