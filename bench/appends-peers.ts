/**
 * Appends per second, one event per transaction, 8 concurrent writers:
 * recordEvent and Emmett's appendToStream against a plain INSERT of the
 * same row, each in its own process and scratch database, in alternation,
 * 3 rounds (the ratio to the plain INSERT is taken per round):
 *
 *   pnpm bench appends-peers         # about 1.5 minutes
 *
 * Writes bench/results/appends-peers.json and regenerates docs/BENCHMARKS.md.
 */
import { appendsPart } from "./peers/parts.js";
import { runPart } from "./peers/orchestrate.js";

process.exit((await runPart(appendsPart)) === 0 ? 0 : 1);
