import { performance } from "node:perf_hooks";
import { getPostgreSQLEventStore } from "@event-driven-io/emmett-postgresql";
import { migrate, newEventId, recordEvent } from "@org/events";
import { createPostgresDatabase } from "@org/events/pg";
import { sql, type Kysely } from "kysely";
import pg from "pg";

/** One way to append one event per transaction, in its own process and scratch database. */
export interface Appender {
  setup(): Promise<void>;
  /** Appends event `i` of `writer` to one of that writer's streams (so writers never race for a version). */
  append(writer: number, i: number): Promise<void>;
  close(): Promise<void>;
}

export interface AppenderDefinition {
  package: string;
  settings: string;
  create(url: string): Appender;
}

const payload = (i: number) => ({ settlementId: `stl_${i % 100}`, confirmations: i, required: 30, network: "polygon" });

export const appenders: Record<string, AppenderDefinition> = {
  "plain INSERT": {
    package: "pg",
    settings: "`BEGIN; INSERT …; COMMIT` of the same row into a copy of the events table without its version trigger (the version counted in the client)",
    create(url) {
      const pool = new pg.Pool({ connectionString: url, max: 8 });
      const versions = new Map<string, number>();
      return {
        async setup() {
          const { db } = createPostgresDatabase({ connectionString: url, max: 1 });
          await migrate(db);
          await sql`create table plain_events (like domain_events including all)`.execute(db);
          await db.destroy();
        },
        async append(writer, i) {
          const stream = `w${writer}_${i % 100}`;
          const version = (versions.get(stream) ?? 0) + 1;
          versions.set(stream, version);
          const client = await pool.connect();
          try {
            await client.query("begin");
            await client.query(
              `insert into plain_events (id, aggregate_type, aggregate_id, aggregate_version, event_type, payload)
               values ($1, 'settlement', $2, $3, 'settlement.confirmation_progress', $4)`,
              [newEventId(), stream, version, JSON.stringify(payload(i))],
            );
            await client.query("commit");
          } finally {
            client.release();
          }
        },
        close: () => pool.end(),
      };
    },
  },
  recordEvent: {
    package: "@org/events",
    settings: "`db.transaction()` with `recordEvent` (Kysely on `pg`, pool of 8)",
    create(url) {
      const { db } = createPostgresDatabase({ connectionString: url, max: 8 });
      const kdb: Kysely<any> = db;
      return {
        async setup() {
          await migrate(kdb);
          await sql`insert into domain_events (id, aggregate_type, aggregate_id, event_type, payload)
            select 'evt_seed' || g, 'seed', 'seed_' || g, 'bench.seed', '{}'::jsonb from generate_series(1, 2000) g`.execute(kdb);
          await sql`vacuum analyze domain_events`.execute(kdb);
        },
        async append(writer, i) {
          await kdb.transaction().execute((tx) => recordEvent(tx, "settlement", `w${writer}_${i % 100}`, "settlement.confirmation_progress", payload(i)));
        },
        close: () => db.destroy(),
      };
    },
  },
  "Emmett appendToStream": {
    package: "@event-driven-io/emmett-postgresql",
    settings: "`getPostgreSQLEventStore(url)` (its own pooled connections), `appendToStream(stream, [event])`, schema created before timing",
    create(url) {
      const store = getPostgreSQLEventStore(url);
      return {
        async setup() {
          await store.appendToStream("warm_up", [{ type: "settlement.confirmation_progress", data: payload(0) }]);
        },
        async append(writer, i) {
          await store.appendToStream(`settlement-w${writer}_${i % 100}`, [{ type: "settlement.confirmation_progress", data: payload(i) }]);
        },
        close: () => store.close(),
      };
    },
  },
};

/** `writers` loops appending flat out for `seconds` after a warm-up of half a second; appends per second. */
export async function appendRate(appender: Appender, { seconds, writers }: { seconds: number; writers: number }): Promise<{ writers: number; perSecond: number }> {
  const counters = new Array<number>(writers).fill(0);
  const loop = async (until: number) =>
    Promise.all(
      counters.map(async (_, w) => {
        while (performance.now() < until) await appender.append(w, counters[w]!++);
      }),
    );
  await loop(performance.now() + 500);
  const before = counters.reduce((a, b) => a + b, 0);
  const start = performance.now();
  await loop(start + seconds * 1000);
  const n = counters.reduce((a, b) => a + b, 0) - before;
  return { writers, perSecond: n / ((performance.now() - start) / 1000) };
}
