import { usePgliteDatabase } from "@org/test-harness";
import { expect, test } from "vitest";
import { waitFor } from "../test-support/fixtures.js";
import { notifyEventsCommitted } from "./notify.js";
import { pgliteListener } from "./pglite-listener.js";

const lite = usePgliteDatabase();

test("on PGlite a commit wakes the listener once, at the call: its own NOTIFY is skipped, another's is not", async () => {
  let wakes = 0;
  const stop = await pgliteListener(lite.pglite).subscribe(() => wakes++);
  try {
    expect(wakes).toBe(1); // every subscription starts with one
    const sent = notifyEventsCommitted(lite.db);
    expect(wakes).toBe(2);
    await sent;
    await lite.pglite.query("select 1"); // the NOTIFY has been delivered by now
    expect(wakes).toBe(2);
    await lite.pglite.query("notify outbox_events, 'by hand'");
    await waitFor(() => wakes === 3, 5_000, "the NOTIFY sent by hand");
  } finally {
    await stop();
  }
  void notifyEventsCommitted(lite.db);
  expect(wakes).toBe(3); // removed with the subscription
});
