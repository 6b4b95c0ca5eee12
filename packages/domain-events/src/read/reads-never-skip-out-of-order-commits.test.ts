import { useTestDatabase } from "@org/test-harness";
import { sql, type Kysely } from "kysely";
import pg from "pg";
import { beforeAll, expect, inject, test } from "vitest";
import type { Checkpoint } from "../envelope.js";
import { migrate } from "../schema/migrate.js";
import { recordEvent } from "../write/record-event.js";
import { createEventStore } from "./postgres-event-store.js";

const database = useTestDatabase();
let db: Kysely<any>;
beforeAll(async () => {
  db = database.connect({ max: 24 });
  await migrate(db);
});

const payload = (paymentId: string) => ({ paymentId, amount: "1.00", currency: "USD" });

/** Opens a transaction, records one event in it, and returns a handle to commit it later. */
async function openWriter(aggregateId: string) {
  let commit!: () => void;
  const released = new Promise<void>((resolve) => (commit = resolve));
  let recorded!: (id: string) => void;
  const idReady = new Promise<string>((resolve) => (recorded = resolve));
  const done = db.transaction().execute(async (tx) => {
    recorded(await recordEvent(tx, "payment", aggregateId, "payment.created", payload(aggregateId)));
    await released;
  });
  return { id: await idReady, commit: async () => (commit(), await done) };
}

test("a reader that resumed past a later commit still receives the earlier-position event when it commits", async () => {
  const store = createEventStore(db);
  const start = (await store.readAfter(null)).checkpoint;

  const early = await openWriter("pay_early"); // takes the lower position
  const late = await openWriter("pay_late"); // takes the higher position
  await late.commit(); // ...and commits first

  const whileEarlyOpen = await store.readAfter(start);
  expect(whileEarlyOpen.events.map((e) => e.id)).not.toContain(early.id);
  // The later commit is held back too: handing it out now would move the checkpoint past `early`.
  expect(whileEarlyOpen.events.map((e) => e.id)).not.toContain(late.id);

  await early.commit();
  const afterBoth = await store.readAfter(whileEarlyOpen.checkpoint);
  expect(afterBoth.events.map((e) => e.id)).toEqual([early.id, late.id]);
});

test("concurrent writers committing in shuffled order: a tailing reader sees every event exactly once, in checkpoint order", async () => {
  const store = createEventStore(db);
  let checkpoint: Checkpoint | null = (await store.readAfter(null)).checkpoint;
  const writers = 16;
  const perWriter = 25;
  const seen: { id: string; key: [bigint, number] }[] = [];
  let writing = true;

  const reader = (async () => {
    for (let round = 0; round < 100_000; round++) {
      const stillWriting = writing;
      const page = await store.readAfter(checkpoint, { limit: 50 });
      for (const e of page.events) seen.push({ id: e.id, key: [BigInt(e.transactionId), e.position] });
      checkpoint = page.checkpoint;
      if (!stillWriting && page.events.length === 0) return;
    }
    throw new Error("reader did not finish");
  })();

  const written: string[] = [];
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < perWriter; i++) {
        await db.transaction().execute(async (tx) => {
          written.push(await recordEvent(tx, "payment", `pay_${w}_${i}`, "payment.created", payload(`pay_${w}_${i}`)));
          // Hold some transactions open so that later positions commit first.
          if ((w + i) % 3 === 0) await sql`select pg_sleep(${(((w * 7 + i) % 5) + 1) / 1000})`.execute(tx);
        });
      }
    }),
  );
  writing = false;
  await reader;

  const ids = seen.map((s) => s.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(new Set(ids)).toEqual(new Set(written));
  for (let i = 1; i < seen.length; i++) {
    const [prevTx, prevPos] = seen[i - 1]!.key;
    const [tx, pos] = seen[i]!.key;
    expect(tx > prevTx || (tx === prevTx && pos > prevPos)).toBe(true);
  }
});

test("a transaction open in another database of the server does not hold this database's readers back", async () => {
  const store = createEventStore(db);
  const start = (await store.readAfter(null)).checkpoint;
  const elsewhere = new pg.Client({ connectionString: inject("databaseUrl") });
  await elsewhere.connect();
  try {
    await elsewhere.query("begin");
    await elsewhere.query("select pg_current_xact_id()"); // takes an xid older than the event below
    const id = await recordEvent(db, "payment", "pay_elsewhere", "payment.created", payload("pay_elsewhere"));
    const page = await store.readAfter(start);
    expect(page.events.map((e) => e.id)).toEqual([id]);
  } finally {
    await elsewhere.query("rollback");
    await elsewhere.end();
  }
});

test("getCheckpoint can be limited to one tenant", async () => {
  const store = createEventStore(db);
  const id = await recordEvent(db, "payment", "pay_tenant_cp", "payment.created", payload("pay_tenant_cp"), { tenantId: "acme" });
  expect(await store.getCheckpoint(id, { tenantId: "acme" })).toBeDefined();
  expect(await store.getCheckpoint(id, { tenantId: "globex" })).toBeUndefined();
});
