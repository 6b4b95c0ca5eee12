import { useTestDatabase } from "@org/test-harness";
import { beforeAll, beforeEach, expect, test } from "vitest";
import { resetOutbox, setUpOutbox, waitFor, writeEvents } from "../test-support/fixtures.js";
import { createEventWorker } from "./event-worker.js";

const database = useTestDatabase();
beforeAll(async () => setUpOutbox(database.db));
beforeEach(async () => resetOutbox(database.db));

test("a group's type patterns, exact names and prefixes, let exactly the matching events into its queue, in log order", async () => {
  const written: { id: string; type: string }[] = [];
  for (let round = 0; round < 3; round++) {
    for (const type of ["test.happened", "test.other", "poison.pill"] as const) {
      for (const id of await writeEvents(database.db, 2, { prefix: `${type}-${round}`, eventType: type })) written.push({ id, type });
    }
  }
  let handledGroups = 0;
  const run = async (types: string[] | undefined, expected: number) => {
    const handled: string[] = [];
    const worker = createEventWorker(database.db, { group: `g${handledGroups++}`, ...(types ? { types } : {}), pollIntervalMs: 10, concurrency: 1, handler: (event) => void handled.push(event.id) });
    await worker.start();
    try {
      await waitFor(() => handled.length >= expected, 20_000, `${expected} events for ${JSON.stringify(types)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await worker.stop();
    }
    return handled;
  };
  const ids = (...types: string[]) => written.filter((event) => types.includes(event.type)).map((event) => event.id);
  expect(await run(["test.other", "poison.*"], 12)).toEqual(ids("test.other", "poison.pill"));
  expect(await run(["test.happened"], 6)).toEqual(ids("test.happened"));
  expect(await run(["*"], 18)).toEqual(written.map((event) => event.id));
  expect(await run(undefined, 18)).toEqual(written.map((event) => event.id));
  expect(await run(["test.*"], 12)).toEqual(ids("test.happened", "test.other"));
});
