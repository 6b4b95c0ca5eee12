/**
 * The log under concurrency, as a property: random interleavings of writers
 * (several per aggregate, two tenants sharing aggregate ids, some writing
 * another row first so that their transaction id is older, some rolling
 * back) against real PostgreSQL, while every kind of reader runs: store
 * pages, the ordered feed, a worker group, and an SSE client that drops its
 * connection and resumes from a random event it has seen. Nobody sends
 * wake-ups, so the store runs ahead of the relay (what a resume must
 * survive). Every reader sees each committed event exactly once per
 * connection, per aggregate in version order, and nothing rolled back.
 * Bounded: a few runs of a few writers each.
 */
import { ConcurrencyError, createEventStore, type Checkpoint, type DomainEvent } from "@org/events";
import { createSSEBroadcaster, SSEError, type ReplaySource, type SSESink } from "@org/sse-broadcaster";
import { useTestDatabase } from "@org/test-harness";
import fc from "fast-check";
import { sql, type Kysely } from "kysely";
import { beforeAll, expect, test } from "vitest";
import { createEventPublisher } from "./feed/ordered-feed.js";
import { singleProcessLeader } from "./feed/leader.js";
import { setUpOutbox, unpublishedCount, waitFor, writer } from "./test-support/fixtures.js";
import { createEventWorker } from "./worker/event-worker.js";

const database = useTestDatabase();
let db: Kysely<any>;

beforeAll(async () => {
  db = database.connect({ max: 12 });
  await setUpOutbox(db);
  await sql`create table other_rows (id serial primary key)`.execute(db);
});

interface WriterPlan {
  tenant: "t1" | "t2";
  aggregate: "a0" | "a1";
  events: number;
  otherRowFirst: boolean;
  rollback: boolean;
  pauseMs: number;
  startMs: number;
}

const writerPlan = fc.record<WriterPlan>({
  tenant: fc.constantFrom("t1", "t2"),
  aggregate: fc.constantFrom("a0", "a1"),
  events: fc.integer({ min: 1, max: 2 }),
  otherRowFirst: fc.boolean(),
  rollback: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
  pauseMs: fc.integer({ min: 0, max: 4 }),
  startMs: fc.integer({ min: 0, max: 15 }),
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs one writer, retrying on ConcurrencyError in a fresh transaction; returns its ids and whether they committed. */
async function runWriter(plan: WriterPlan, n: number): Promise<{ ids: string[]; committed: boolean }> {
  await sleep(plan.startMs);
  for (let attempt = 0; attempt < 50; attempt++) {
    let ids: string[] = [];
    try {
      await db.transaction().execute(async (tx) => {
        if (plan.otherRowFirst) await sql`insert into other_rows default values`.execute(tx);
        await sleep(plan.pauseMs);
        const events = Array.from({ length: plan.events }, (_, i) => ({
          aggregateType: "thing",
          aggregateId: plan.aggregate,
          eventType: "test.happened" as const,
          payload: { n: n * 10 + i },
          tenantId: plan.tenant,
        }));
        ids = await writer.recordEvents(tx, events);
        if (plan.rollback) throw new RolledBack();
      });
      return { ids, committed: true };
    } catch (error) {
      if (error instanceof RolledBack) return { ids, committed: false };
      if (!(error instanceof ConcurrencyError)) throw error;
    }
  }
  throw new Error("a writer was refused 50 times");
}

class RolledBack extends Error {}

/** The replay of an SSE resume, as apps/api does it: the client's own last event first, then pages after it. */
function storeReplay(): ReplaySource<DomainEvent> {
  const store = createEventStore(db);
  return async function* ({ lastEventId }) {
    let checkpoint: Checkpoint | null | undefined = await store.getCheckpoint(lastEventId);
    if (!checkpoint) throw new SSEError("unknown_last_event_id", `no event ${lastEventId}`);
    const own = await store.getEvent(lastEventId);
    if (own) yield own;
    for (;;) {
      const page = await store.readAfter(checkpoint, { limit: 3 });
      yield* page.events;
      if (page.events.length < 3 || page.checkpoint === null) return;
      checkpoint = page.checkpoint;
    }
  };
}

/** A connection's sink that keeps the ids of the events it was sent, in order. */
function idSink(): { sink: SSESink; ids: string[] } {
  const ids: string[] = [];
  const decoder = new TextDecoder();
  return {
    ids,
    sink: {
      write(chunk) {
        for (const match of decoder.decode(chunk).matchAll(/^id: (.+)$/gm)) ids.push(match[1]!);
      },
      close() {},
    },
  };
}

const aggregateKey = (e: DomainEvent) => `${e.tenantId}/${e.aggregateType}/${e.aggregateId}`;

/** Problems of one reader's sequence: duplicates, rolled-back events, versions out of order. */
function problems(name: string, seen: readonly DomainEvent[], rolledBack: ReadonlySet<string>): string[] {
  const found: string[] = [];
  const ids = new Set<string>();
  const lastVersion = new Map<string, number>();
  for (const event of seen) {
    if (ids.has(event.id)) found.push(`${name}: ${event.id} twice`);
    ids.add(event.id);
    if (rolledBack.has(event.id)) found.push(`${name}: rolled-back ${event.id}`);
    const key = aggregateKey(event);
    if ((lastVersion.get(key) ?? 0) >= event.aggregateVersion) found.push(`${name}: ${key} v${event.aggregateVersion} after v${lastVersion.get(key)}`);
    lastVersion.set(key, event.aggregateVersion);
  }
  return found;
}

test("every reader sees each committed event once per connection, per aggregate in version order, and nothing rolled back", async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(writerPlan, { minLength: 3, maxLength: 10 }), fc.array(fc.tuple(fc.integer({ min: 3, max: 25 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })), { minLength: 1, maxLength: 3 }), async (plans, reconnects) => {
      run++;
      await sql`truncate domain_events, domain_events_streams, domain_events_deliveries, domain_events_groups`.execute(db);
      const store = createEventStore(db);
      const byId = new Map<string, DomainEvent>();

      // the ordered feed, polling only (no wake-ups: the store runs ahead of it), feeding an SSE broadcaster
      const broadcaster = createSSEBroadcaster<DomainEvent>({ replay: storeReplay(), heartbeatIntervalMs: 60_000 });
      const feed = createEventPublisher(db, { leader: singleProcessLeader(), pollIntervalMs: 7, batchSize: 4, log: () => {} });
      const fed: DomainEvent[] = [];
      feed.onEvent((event) => {
        fed.push(event);
        broadcaster.broadcast(event);
      });
      const worked: DomainEvent[] = [];
      const worker = createEventWorker(db, { group: `prop_${run}`, pollIntervalMs: 5, batchSize: 3, handler: (event) => void worked.push(event) });

      // store pages read while the writers write
      const paged: DomainEvent[] = [];
      let writing = true;
      const pager = (async () => {
        let checkpoint: Checkpoint | null = null;
        for (;;) {
          const done = !writing;
          const page = await store.readAfter(checkpoint, { limit: 2 });
          paged.push(...page.events);
          checkpoint = page.checkpoint;
          if (done && page.events.length === 0) return;
          if (page.events.length === 0) await sleep(2);
        }
      })();

      // an SSE client: connects before any write, drops and resumes from a random event it has seen
      const connections: { ids: string[]; from: string | undefined }[] = [];
      const connect = (lastEventId?: string) => {
        const { sink, ids } = idSink();
        connections.push({ ids, from: lastEventId });
        broadcaster.addClient(`c${connections.length}`, sink, { lastEventId });
      };
      connect();
      await feed.start();
      await worker.start();
      const reconnector = (async () => {
        for (const [ms, pick] of reconnects) {
          await sleep(ms);
          const seen = connections.flatMap((c) => c.ids);
          if (seen.length === 0) continue;
          broadcaster.removeClient(`c${connections.length}`);
          connect(seen[Math.floor(pick * seen.length)]);
        }
      })();

      const outcomes = await Promise.all(plans.map((plan, n) => runWriter(plan, n)));
      writing = false;
      await Promise.all([pager, reconnector]);
      const committed = outcomes.filter((o) => o.committed).flatMap((o) => o.ids);
      const rolledBack = new Set(outcomes.filter((o) => !o.committed).flatMap((o) => o.ids));
      const lastCommitted = (await store.readAfter(null, { limit: 10_000 })).events;
      for (const event of lastCommitted) byId.set(event.id, event);

      await waitFor(async () => (await unpublishedCount(db)) === 0, 15_000, "the feed to drain");
      await waitFor(() => worked.length >= committed.length, 15_000, "the worker group");
      const lastId = lastCommitted.at(-1)?.id;
      const current = connections.at(-1)!;
      await waitFor(() => lastId === undefined || current.from === lastId || current.ids.includes(lastId), 10_000, "the SSE client to catch up");
      await worker.stop();
      await feed.stop();
      await broadcaster.close();

      const sseProblems = connections.flatMap((c, i) => {
        const events = c.ids.map((id) => byId.get(id) ?? ({ id, aggregateVersion: 0 } as DomainEvent));
        const found = problems(`sse connection ${i}`, events, rolledBack);
        // one connection never goes back in the log
        for (let k = 1; k < events.length; k++) {
          const [a, b] = [events[k - 1]!, events[k]!];
          if (BigInt(a.transactionId) > BigInt(b.transactionId) || (a.transactionId === b.transactionId && a.position > b.position)) found.push(`sse connection ${i}: ${b.id} after ${a.id}`);
        }
        return found;
      });
      expect({
        problems: [...problems("store pages", paged, rolledBack), ...problems("feed", fed, rolledBack), ...problems("worker group", worked, rolledBack), ...sseProblems],
        store: lastCommitted.map((e) => e.id).sort(),
        paged: paged.map((e) => e.id).sort(),
        fed: fed.map((e) => e.id).sort(),
        worked: worked.map((e) => e.id).sort(),
        sse: [...new Set(connections.flatMap((c) => c.ids))].sort(),
      }).toEqual({ problems: [], store: [...committed].sort(), paged: [...committed].sort(), fed: [...committed].sort(), worked: [...committed].sort(), sse: [...committed].sort() });
      // versions per aggregate are 1..n in the store
      const versions = new Map<string, number[]>();
      for (const event of lastCommitted) versions.set(aggregateKey(event), [...(versions.get(aggregateKey(event)) ?? []), event.aggregateVersion]);
      for (const list of versions.values()) expect([...list].sort((x, y) => x - y)).toEqual(list.map((_, i) => i + 1));
    }),
    { numRuns: 15, endOnFailure: true },
  );
}, 120_000);
