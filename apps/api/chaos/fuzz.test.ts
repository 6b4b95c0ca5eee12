import http from "node:http";
import { useTestDatabase } from "@org/test-harness";
import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { spawnServer, type ServerProcess } from "../e2e/support/spawn-server.js";
import { hostileBody, hostileHeaderValue, hostilePathSegment, hostileQuery, hostileValue } from "./support/hostile.js";
import { FULL, scale } from "./support/report.js";
import { SseFrameReader, type SseFrame } from "./support/sse-frames.js";

/**
 * fast-check fuzzing of every route family over HTTP against the real
 * server process: random and hostile bodies, headers, query strings, path
 * ids, Idempotency-Keys, Last-Event-IDs and credentials. For every request:
 * never a 5xx; a rejected request (4xx) writes nothing (the database's
 * fingerprint is the same before and after); the other tenant's data never
 * changes; an SSE response never carries a broken frame or another
 * tenant's event.
 */
const database = useTestDatabase();
const KEY_A = "fuzz-key-tenant-a-0001";
const KEY_B = "fuzz-key-tenant-b-0002";
/** How long each fuzzed stream is read: the retry hint, a replay, a reset come first. */
const STREAM_READ_MS = 80;
const RUNS = Number(process.env.CHAOS_FUZZ_RUNS) || scale(150, 10_000);
let server: ServerProcess;
const own = { settlements: [] as string[], payments: [] as string[], events: [] as string[] };
const other = { settlements: [] as string[], payments: [] as string[], events: [] as string[] };

async function api(key: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await response.json()) as any;
}

async function seed(key: string, into: typeof own) {
  for (let i = 0; i < 3; i++) {
    const payment = await api(key, "POST", "/api/v1/payments", { amount: "10.00", currency: "USD" });
    into.payments.push(payment.id);
    const settlement = await api(key, "POST", "/api/v1/settlements", { amount: "5.00", currency: "USD", payment_id: payment.id });
    into.settlements.push(settlement.id);
    const events = await api(key, "GET", `/api/v1/settlements/${settlement.id}/events`);
    into.events.push(...events.data.map((event: { id: string }) => event.id));
  }
}

beforeAll(async () => {
  server = await spawnServer({
    DATABASE_URL: database.url,
    API_KEYS: `tenant-a:${KEY_A},tenant-b:${KEY_B}`,
    SSE_HEARTBEAT_MS: "1000",
    PUBLISHER_POLL_INTERVAL_MS: "200",
    RATE_LIMIT_PER_MINUTE: "0",
    SSE_MAX_CLIENTS_PER_TENANT: "1000",
  });
  await seed(KEY_A, own);
  await seed(KEY_B, other);
});

afterAll(async () => {
  expect(await server?.stop()).toBe(0);
});

/** Everything a write would change: rows, versions, events. */
async function fingerprint(): Promise<string> {
  const { rows } = await sql<{ f: string }>`
    select concat_ws(':',
      (select count(*) from domain_events), (select coalesce(max(position), 0) from domain_events),
      (select count(*) from settlements), (select coalesce(sum(version), 0) from settlements),
      (select count(*) from payments), (select coalesce(sum(version), 0) from payments),
      (select count(*) from api_keys)) as f`.execute(database.db);
  return rows[0]!.f;
}

/** Tenant B's data only: nothing tenant A sends may change it. */
async function otherTenantFingerprint(): Promise<string> {
  const { rows } = await sql<{ f: string }>`
    select concat_ws(':',
      (select count(*) from domain_events where tenant_id = 'tenant-b'),
      (select coalesce(sum(version), 0) from settlements where tenant_id = 'tenant-b'),
      (select coalesce(sum(version), 0) from payments where tenant_id = 'tenant-b')) as f`.execute(database.db);
  return rows[0]!.f;
}

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array | undefined;
}

/** The credential of a fuzzed request: mostly tenant A's key, sometimes a hostile Authorization or none. */
const credential: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ Authorization: `Bearer ${KEY_A}` }) },
  { weight: 1, arbitrary: hostileHeaderValue.map((value) => ({ Authorization: value })) },
  { weight: 1, arbitrary: hostileHeaderValue.map((value) => ({ Authorization: `Bearer ${value}` })) },
  { weight: 1, arbitrary: fc.constant({}) },
);

const contentType: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ "Content-Type": "application/json" }) },
  { weight: 1, arbitrary: fc.constantFrom("text/plain", "application/json; charset=latin1", "application/jsonx", "multipart/form-data; boundary=x").map((v) => ({ "Content-Type": v })) },
  { weight: 1, arbitrary: hostileHeaderValue.map((value) => ({ "Content-Type": value })) },
);

/** A valid body with one field replaced or one field added: gets past the shape check, so hostile values go deeper. */
function mutated(valid: Record<string, unknown>): fc.Arbitrary<string> {
  const keys = Object.keys(valid);
  return fc.oneof(
    fc.tuple(fc.constantFrom(...keys), hostileValue).map(([key, value]) => JSON.stringify({ ...valid, [key]: value })),
    fc.tuple(fc.oneof(fc.constantFrom("__proto__", "constructor", "tenant_id", "status"), fc.string()), hostileValue).map(([key, value]) =>
      JSON.stringify({ ...valid, [key]: value }),
    ),
    fc.constant(JSON.stringify(valid)),
  );
}

const anyBody = (valid: Record<string, unknown>) => fc.oneof({ weight: 2, arbitrary: mutated(valid) }, { weight: 1, arbitrary: hostileBody });

const ids = (kind: "settlements" | "payments") =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...own[kind]) },
    { weight: 2, arbitrary: fc.constantFrom(...other[kind]) },
    { weight: 3, arbitrary: hostilePathSegment },
  );

const COMMANDS: Record<string, Record<string, unknown>> = {
  "select-network": { network: "polygon", score: 0.9, reasoning: "cheapest" },
  "estimate-gas": { gas_estimate: "0.01" },
  submit: { tx_hash: "0xabc" },
  confirmations: { confirmations: 3 },
  settle: { gas_actual: "0.01" },
  fail: { error: "timeout" },
};

const families: Record<string, () => fc.Arbitrary<FuzzRequest>> = {
  "settlements: create": () =>
    fc
      .record({
        auth: credential,
        type: contentType,
        body: anyBody({ amount: "1.00", currency: "USD", network: "polygon", required_confirmations: 3 }),
        idempotency: fc.option(hostileHeaderValue, { nil: undefined }),
      })
      .map(({ auth, type, body, idempotency }) => ({
        method: "POST",
        path: "/api/v1/settlements",
        headers: { ...auth, ...type, ...(idempotency === undefined ? {} : { "Idempotency-Key": idempotency }) },
        body,
      })),
  "settlements: commands": () =>
    fc
      .record({ auth: credential, type: contentType, id: ids("settlements"), command: fc.oneof(fc.constantFrom(...Object.keys(COMMANDS)), hostilePathSegment) })
      .chain(({ auth, type, id, command }) =>
        anyBody(COMMANDS[command] ?? { x: 1 }).map((body) => ({ method: "POST", path: `/api/v1/settlements/${id}/${command}`, headers: { ...auth, ...type }, body })),
      ),
  "settlements: reads": () =>
    fc
      .record({
        auth: credential,
        id: ids("settlements"),
        which: fc.constantFrom("list", "one", "events", "reconstruction"),
        query: hostileQuery(["status", "cursor", "limit"]),
      })
      .map(({ auth, id, which, query }) => ({
        method: "GET",
        path: which === "list" ? `/api/v1/settlements?${query}` : `/api/v1/settlements/${id}${which === "one" ? "" : `/${which}`}?${query}`,
        headers: auth,
      })),
  payments: () =>
    fc
      .record({ auth: credential, type: contentType, id: ids("payments"), which: fc.constantFrom("create", "one", "status", "refund") })
      .chain(({ auth, type, id, which }) => {
        const valid = which === "create" ? { amount: "3.00", currency: "EUR" } : which === "status" ? { status: "authorized" } : { amount: "0.01" };
        return anyBody(valid).map((body) => ({
          method: which === "one" ? "GET" : "POST",
          path: which === "create" ? "/api/v1/payments" : which === "one" ? `/api/v1/payments/${id}` : `/api/v1/payments/${id}/${which}`,
          headers: { ...auth, ...type },
          body: which === "one" ? undefined : body,
        }));
      }),
  "events: stream": () =>
    fc
      .record({
        auth: fc.oneof(
          { weight: 3, arbitrary: credential },
          { weight: 1, arbitrary: hostileHeaderValue.map((value) => ({ Cookie: `stream_token=${value}` })) },
        ),
        query: hostileQuery(["types", "aggregate_id", "last_event_id", "access_token"]),
        lastEventId: fc.option(fc.oneof(fc.constantFrom(...own.events, ...other.events), hostileHeaderValue), { nil: undefined }),
      })
      .map(({ auth, query, lastEventId }) => ({
        method: "GET",
        path: `/api/v1/events/stream?${query}`,
        headers: { ...auth, ...(lastEventId === undefined ? {} : { "Last-Event-ID": lastEventId }) },
      })),
  "events: token, stats; operations; unknown routes": () =>
    fc
      .record({
        auth: credential,
        path: fc.oneof(
          fc.constantFrom("/api/v1/events/token", "/api/v1/events/stats", "/api/v1/openapi.json", "/healthz", "/readyz", "/metrics", "/"),
          hostilePathSegment.map((segment) => `/api/v1/${segment}`),
          hostilePathSegment.map((segment) => `/api/v1/events/${segment}`),
        ),
        method: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"),
        body: hostileBody,
        type: contentType,
      })
      .map(({ auth, path, method, body, type }) => ({ method, path, headers: { ...auth, ...type }, body: method === "GET" || method === "HEAD" ? undefined : body })),
};

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
afterAll(() => agent.destroy());

/** One request over node:http (it sends any latin-1 header value, as a hostile client can); SSE answers are read for STREAM_READ_MS. */
function send(request: FuzzRequest): Promise<{ status: number; contentType: string; text: string; frames: SseFrameReader | undefined; events: SseFrame[]; headers: http.IncomingHttpHeaders }> {
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  // An explicit length: node:http sends some methods' bodies (OPTIONS, DELETE) unframed otherwise, a malformed message.
  const headers = body === undefined ? request.headers : { ...request.headers, "Content-Length": String(body.length) };
  return new Promise((resolve, reject) => {
    const outgoing = http.request(`${server.url}${request.path}`, { method: request.method, headers, agent }, (response) => {
      const contentType = response.headers["content-type"] ?? "";
      const status = response.statusCode ?? 0;
      if (contentType.startsWith("text/event-stream")) {
        const reader = new SseFrameReader();
        const events: SseFrame[] = [];
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => events.push(...reader.push(chunk)));
        const timer = setTimeout(() => {
          response.destroy();
          resolve({ status, contentType, text: "", frames: reader, events, headers: response.headers });
        }, STREAM_READ_MS);
        response.on("end", () => (clearTimeout(timer), resolve({ status, contentType, text: "", frames: reader, events, headers: response.headers })));
        response.on("error", () => {});
        return;
      }
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status, contentType, text: Buffer.concat(chunks).toString(), frames: undefined, events: [], headers: response.headers }));
      response.on("error", reject);
    });
    outgoing.on("error", reject);
    outgoing.setTimeout(15_000, () => outgoing.destroy(new Error(`no answer within 15 s: ${request.method} ${request.path.slice(0, 200)}`)));
    outgoing.end(body);
  });
}

/** Sends one fuzzed request and checks what every response must satisfy. */
async function attack(request: FuzzRequest, tally: Record<string, number>): Promise<void> {
  const before = await fingerprint();
  const otherBefore = await otherTenantFingerprint();
  let answer: Awaited<ReturnType<typeof send>>;
  try {
    answer = await send(request);
  } catch (error) {
    // A body far over the limit: the server answers 413 and closes while the client still writes (EPIPE / reset).
    const code = (error as NodeJS.ErrnoException).code;
    const size = request.body === undefined ? 0 : Buffer.byteLength(request.body as string | Uint8Array);
    if (!(size > 16 * 1024 && (code === "EPIPE" || code === "ECONNRESET"))) throw error;
    tally.closed_while_sending_oversized_body = (tally.closed_while_sending_oversized_body ?? 0) + 1;
    expect(await fingerprint()).toBe(before);
    return;
  }
  const { status, text, frames, events, headers } = answer;
  tally[status] = (tally[status] ?? 0) + 1;
  const what = `${request.method} ${request.path.slice(0, 300)}`;
  expect(status, what).toBeLessThan(500);
  if (frames) {
    expect(frames.broken, what).toEqual([]);
    for (const frame of events) {
      if (frame.data === undefined || frame.event === "reset") continue;
      const data = JSON.parse(frame.data) as { settlement_id?: string; payment_id?: string };
      const aggregate = data.settlement_id ?? data.payment_id;
      if (aggregate) expect([...other.settlements, ...other.payments], what).not.toContain(aggregate);
    }
  } else if (status >= 400 && request.method !== "HEAD" && status !== 431) {
    // (431: headers over Node's 16 KiB, answered by Node's HTTP parser itself, before the app, without a body.)
    let code: unknown;
    try {
      code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    } catch {
      code = undefined;
    }
    expect(typeof code, `${what} answered ${status} ${JSON.stringify(headers)} with ${JSON.stringify(text.slice(0, 200))}`).toBe("string");
  }
  if (status >= 400) expect(await fingerprint(), `a rejected ${what} wrote`).toBe(before);
  expect(await otherTenantFingerprint(), what).toBe(otherBefore);
}

describe(`fuzzing every route family (${RUNS} requests each${FULL ? ", full run" : ""})`, () => {
  for (const [family, requests] of Object.entries(families)) {
    test(family, { timeout: scale(120_000, 1_800_000) }, async () => {
      const tally: Record<string, number> = {};
      const started = performance.now();
      try {
        await fc.assert(
          fc.asyncProperty(requests(), (request) => attack(request, tally)),
          { numRuns: RUNS, endOnFailure: true },
        );
      } catch (error) {
        // Counterexamples hold megabyte strings: keep the report readable.
        throw new Error(`${String((error as Error).message).slice(0, 1_500)}\n…\ncaused by: ${String(((error as Error).cause as Error | undefined)?.message).slice(0, 1_500)}`);
      }
      const sent = Object.values(tally).reduce((a, b) => a + b, 0);
      console.log(
        `[chaos] fuzz ${family}: requests=${sent} 5xx=0 writesFromRejected=0 seconds=${((performance.now() - started) / 1000).toFixed(1)} statuses=${JSON.stringify(tally)}`,
      );
      expect(sent).toBeGreaterThanOrEqual(RUNS);
    });
  }
});
