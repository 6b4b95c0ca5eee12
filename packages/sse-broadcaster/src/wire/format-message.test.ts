import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSSEError } from "../errors.js";
import { parseEventStream } from "../test-support/sse-parser.js";
import { formatSSEComment, formatSSEMessage } from "./format-message.js";

describe("formatSSEMessage", () => {
  it("writes event, id, retry and one data line per line of data", () => {
    expect(formatSSEMessage({ event: "settlement.created", id: "evt_1", retry: 1500, data: "a\nb" })).toBe(
      "event: settlement.created\nid: evt_1\nretry: 1500\ndata: a\ndata: b\n\n",
    );
  });

  it("turns CR, LF and CRLF inside data into separate data lines", () => {
    expect(formatSSEMessage({ data: "a\rb\r\nc\nd" })).toBe("data: a\ndata: b\ndata: c\ndata: d\n\n");
    expect(parseEventStream(formatSSEMessage({ data: "a\rb\r\nc\nd" })).events[0]?.data).toBe("a\nb\nc\nd");
  });

  it("keeps empty data as an event whose data is empty", () => {
    expect(formatSSEMessage({ data: "" })).toBe("data: \n\n");
    expect(parseEventStream(formatSSEMessage({ event: "x", data: "" })).events).toEqual([
      { type: "x", data: "", lastEventId: "" },
    ]);
  });

  it("keeps leading spaces and colons of data lines", () => {
    const data = "  two spaces\n: not a comment\ndata: nested";
    expect(parseEventStream(formatSSEMessage({ data })).events[0]?.data).toBe(data);
  });

  it.each(["a\nb", "a\rb", "a\r\nb", "a\0b"])("refuses an event name or id containing %j", (bad) => {
    for (const message of [{ event: bad, data: "x" }, { id: bad, data: "x" }]) {
      let caught: unknown;
      try {
        formatSSEMessage(message);
      } catch (error) {
        caught = error;
      }
      expect(isSSEError(caught, "invalid_field")).toBe(true);
      expect((caught as Error).message).toMatch(/CR, LF or NUL/);
    }
  });

  it("refuses a retry that is not a non-negative integer", () => {
    for (const retry of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => formatSSEMessage({ retry })).toThrow(/retry/);
    }
  });

  it("writes an empty id as a reset of the last event id", () => {
    const parsed = parseEventStream(formatSSEMessage({ id: "e1", data: "1" }) + formatSSEMessage({ id: "", data: "2" }));
    expect(parsed.events.map((event) => event.lastEventId)).toEqual(["e1", ""]);
  });
});

describe("formatSSEComment", () => {
  it("writes one comment line per line of text", () => {
    expect(formatSSEComment("heartbeat")).toBe(": heartbeat\n\n");
    expect(formatSSEComment("a\r\nb")).toBe(": a\n: b\n\n");
    expect(parseEventStream(formatSSEComment("x\ny")).events).toEqual([]);
  });
});

describe("framing properties", () => {
  const noBreaks = fc.string({ unit: "binary" }).filter((text) => !/[\r\n\0]/.test(text));

  // SSE has one line separator on the client side: CR and CRLF arrive as LF.
  const normalise = (data: string) => data.replace(/\r\n|\r/g, "\n");

  it("round-trips any data (line endings as LF), name and id through a spec-compliant parser", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), noBreaks, noBreaks, (data, event, id) => {
        const parsed = parseEventStream(formatSSEMessage({ event, id, data }));
        expect(parsed.events).toEqual([{ type: event === "" ? "message" : event, data: normalise(data), lastEventId: id }]);
      }),
      { numRuns: 500 },
    );
  });

  it("round-trips data without CR exactly", () => {
    const lines = fc.array(fc.string({ unit: "binary" }).map((s) => s.replace(/[\r\n]/g, "")), { maxLength: 5 });
    fc.assert(
      fc.property(lines, (parts) => {
        const data = parts.join("\n");
        expect(parseEventStream(formatSSEMessage({ data })).events[0]?.data).toBe(data);
      }),
      { numRuns: 300 },
    );
  });

  it("never lets several messages bleed into each other", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "binary" }), { maxLength: 10 }), (payloads) => {
        const text = payloads.map((data, i) => formatSSEMessage({ event: "e", id: String(i), data })).join("");
        expect(parseEventStream(text).events.map((event) => event.data)).toEqual(payloads.map(normalise));
      }),
      { numRuns: 200 },
    );
  });

  it("refuses every name or id with CR, LF or NUL", () => {
    const bad = fc
      .tuple(fc.string(), fc.constantFrom("\r", "\n", "\r\n", "\0"), fc.string())
      .map(([a, breaker, b]) => a + breaker + b);
    fc.assert(
      fc.property(bad, fc.boolean(), (value, asId) => {
        expect(() => formatSSEMessage(asId ? { id: value } : { event: value })).toThrow(/CR, LF or NUL/);
      }),
      { numRuns: 300 },
    );
  });
});
