import type { PlatformCatalog, WireEvents } from "@org/events";
import { afterEach, describe, expect, expectTypeOf, test } from "vitest";
import { createEventStreamClient, type EventStreamClient } from "../client.js";
import { startSseServer, until, type SseServer } from "../test-support/sse-server.js";
import type { StreamEvent } from "../types.js";
import { createEventStreamContext } from "./context.js";
import { createSelectionStore } from "./selection-store.js";

let server: SseServer | undefined;
let client: EventStreamClient | undefined;
afterEach(async () => {
  client?.close();
  await server?.close();
});

describe("the hook's store (useSyncExternalStore)", () => {
  test("a new snapshot only when the selected value, the status or the error changes; handlers only while subscribed", async () => {
    server = await startSseServer();
    client = createEventStreamClient(server.url);
    const select = { current: (event: StreamEvent, previous: number) => ((event.payload as { n: number }).n > previous ? (event.payload as { n: number }).n : previous) };
    const store = createSelectionStore(client, ["tick"], select, 0);
    const first = store.getSnapshot();
    expect(first).toEqual({ value: 0, status: "connecting", error: undefined });
    let changes = 0;
    const unsubscribe = store.subscribe(() => void (changes += 1));
    const request = await server.request(1);
    await until(() => store.getSnapshot().status === "open");
    const open = store.getSnapshot();
    expect(changes).toBe(1);

    request.write('event: tick\nid: 1\ndata: {"n":3}\n\n');
    await until(() => store.getSnapshot().value === 3);
    const three = store.getSnapshot();
    expect(three).not.toBe(open);
    // A smaller n selects the same value: same snapshot object, no render.
    request.write('event: tick\nid: 2\ndata: {"n":1}\n\nevent: other\nid: 3\ndata: {}\n\n');
    await until(() => client!.lastEventId === "3");
    expect(store.getSnapshot()).toBe(three);
    expect(changes).toBe(2);

    unsubscribe();
    request.write('event: tick\nid: 4\ndata: {"n":9}\n\n');
    await until(() => client!.lastEventId === "4");
    expect(store.getSnapshot().value).toBe(3);
  });

  test("the typed hook refuses an event type the catalog does not have and types the selected value", () => {
    const { useEventStream } = createEventStreamContext<WireEvents<PlatformCatalog>>();
    const typed = () => {
      const progress = useEventStream(["settlement.confirmation_progress"], (e, last: number) => e.payload.confirmations + last, 0);
      expectTypeOf(progress.value).toEqualTypeOf<number>();
      const latest = useEventStream(["settlement.settled", "settlement.failed"]);
      if (latest.value?.type === "settlement.settled") expectTypeOf(latest.value.payload.gas_actual).toEqualTypeOf<string>();
      // @ts-expect-error not an event type of the catalog
      useEventStream(["settlement.exploded"]);
    };
    expect(typed).toBeTypeOf("function");
  });
});
