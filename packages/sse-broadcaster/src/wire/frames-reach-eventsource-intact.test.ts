import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BroadcastEvent } from "../filter/filter.js";
import { startFixture, waitForCount, type Fixture, type Received } from "../test-support/sse-fixture.js";

type TextEvent = BroadcastEvent & { payload: string };

describe("frames reach the eventsource client intact", () => {
  let fixture: Fixture<TextEvent>;
  let received: Received[];
  let next = 0;
  const send = (data: string, eventType = "message") => {
    next += 1;
    fixture.broadcaster.broadcast({ id: `evt_${next}`, eventType, payload: data });
    return `evt_${next}`;
  };

  beforeAll(async () => {
    fixture = await startFixture<TextEvent>({ serialize: (event) => event.payload });
    ({ received } = await fixture.connect("/", ["message", "settlement.created", "naïve.ünïcødé"]));
  });
  afterAll(() => fixture.close());

  it("delivers multi-line, unicode and empty data with names and ids", async () => {
    const start = received.length;
    const ids = [
      send("line 1\nline 2\r\nline 3\rline 4"),
      send("héllo wörld 😀 — 漢字 \u2028 \u0085", "settlement.created"),
      send(""),
      send("  leading spaces\n: colon first\ndata: inner", "naïve.ünïcødé"),
      send("\n\n"),
    ];
    await waitForCount(received, start + ids.length);
    expect(received.slice(start)).toEqual([
      { type: "message", data: "line 1\nline 2\nline 3\nline 4", id: ids[0] },
      { type: "settlement.created", data: "héllo wörld 😀 — 漢字 \u2028 \u0085", id: ids[1] },
      { type: "message", data: "", id: ids[2] },
      { type: "naïve.ünïcødé", data: "  leading spaces\n: colon first\ndata: inner", id: ids[3] },
      { type: "message", data: "\n\n", id: ids[4] },
    ]);
  });

  it("refuses names and ids with CR, LF or NUL before any client gets them", () => {
    const before = fixture.broadcaster.getStats().eventsSent;
    for (const bad of ["a\nb", "a\rb", "a\r\nb", "a\0b"]) {
      expect(() => fixture.broadcaster.broadcast({ id: "ok", eventType: bad, payload: "x" })).toThrow(/CR, LF or NUL/);
      expect(() => fixture.broadcaster.broadcast({ id: bad, eventType: "message", payload: "x" })).toThrow(/CR, LF or NUL/);
    }
    expect(fixture.broadcaster.getStats().eventsSent).toBe(before);
  });

  it("round-trips any well-formed string (line endings as LF) through the real client", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: "grapheme", maxLength: 40 }), { minLength: 1, maxLength: 15 }), async (payloads) => {
        const start = received.length;
        const ids = payloads.map((data) => send(data));
        await waitForCount(received, start + payloads.length);
        expect(received.slice(start)).toEqual(
          payloads.map((data, i) => ({ type: "message", data: data.replace(/\r\n|\r/g, "\n"), id: ids[i] })),
        );
      }),
      { numRuns: 40 },
    );
  });
});
