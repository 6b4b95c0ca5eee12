/**
 * SSE servers side by side: ours (@org/sse-broadcaster on node:http),
 * better-sse, Hono's streamSSE and a bare node:http server, each in its own
 * process with the clients in another, in alternation, 3 rounds:
 *
 *   pnpm bench sse-peers             # about 2.5 minutes at 10,000 connections
 *   BENCH_SSE_CONNECTIONS=50000 pnpm bench sse-peers
 *
 * For each: the server's RSS holding the connections, and the time from the
 * broadcast call until the last client has the event (median of 10). Ratios
 * to the bare server are taken per round. Each process raises its limit on
 * open files as far as the machine lets it (`ulimit -n`); the clients spread
 * over several 127.0.0.x source addresses above 25,000 connections.
 *
 * Writes bench/results/sse-peers.json and regenerates docs/BENCHMARKS.md.
 */
import { ssePart } from "./peers/parts.js";
import { runPart } from "./peers/orchestrate.js";

process.exit((await runPart(ssePart)) === 0 ? 0 : 1);
