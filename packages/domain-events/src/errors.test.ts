import { Kysely } from "kysely";
import { describe, expect, test } from "vitest";
import { InMemoryEventBus } from "./bus/in-memory-event-bus.js";
import { defineEventCatalog } from "./catalog/define-event-catalog.js";
import { ConcurrencyError, EventsError, UnknownEventTypeError, ValidationError, isEventsError } from "./errors.js";
import { createEventStore } from "./read/postgres-event-store.js";
import { createEventWriter } from "./write/event-writer.js";

const db = {} as Kysely<any>; // never queried: the checks come first

describe("bad input to a public function is an EventsError with a code, never a stray TypeError", () => {
  test.each([
    ["createEventStore with a bad table name", () => createEventStore(db, { tableName: "bad; drop table x" }), "invalid_options"],
    ["createEventWriter with a bad maxPayloadBytes", () => createEventWriter({ catalog: defineEventCatalog({}), maxPayloadBytes: 0 }), "invalid_options"],
    ["subscribe with a handler that is not a function", () => new InMemoryEventBus().subscribe("x.*", "nope" as never), "invalid_argument"],
    ["subscribe to a bad pattern", () => new InMemoryEventBus().subscribe("x*", () => {}), "validation_failed"],
  ] as const)("%s", (_, call, code) => {
    let thrown: unknown;
    try {
      call();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(EventsError);
    expect(thrown).not.toBeInstanceOf(TypeError);
    expect(isEventsError(thrown, code)).toBe(true);
  });
});

describe("isEventsError", () => {
  test("recognises every class of the package, and narrows by code", () => {
    const validation = new ValidationError("payload.amount", "must be a decimal string");
    expect(isEventsError(validation)).toBe(true);
    expect(isEventsError(validation, "validation_failed") && validation.field).toBe("payload.amount");
    expect(isEventsError(new UnknownEventTypeError("x.y"), "unknown_event_type")).toBe(true);
    expect(isEventsError(new ConcurrencyError({ aggregateType: "s", aggregateId: "1" }), "concurrency_conflict")).toBe(true);
    expect(isEventsError(new EventsError("invalid_event_stream", "gap"), "validation_failed")).toBe(false);
  });

  test("holds for an error of another copy of the package, by its shape", () => {
    // What an error thrown by a second copy of @org/events looks like here: another class, same name and code.
    class ValidationError extends Error {
      readonly code = "validation_failed";
      readonly field = "amount";
      override readonly name = "ValidationError";
    }
    const foreign = new ValidationError("amount: bad");
    expect(foreign instanceof EventsError).toBe(false);
    expect(isEventsError(foreign, "validation_failed")).toBe(true);
  });

  test("refuses what is not one", () => {
    for (const other of [undefined, null, "validation_failed", new Error("x"), new TypeError("x"), { name: "ValidationError", code: "nope" }, { name: "Other", code: "validation_failed" }]) {
      expect(isEventsError(other)).toBe(false);
    }
  });
});

describe("resolveEventWriterOptions", () => {
  test("merges the default once and refuses what cannot work", async () => {
    const { resolveEventWriterOptions } = await import("./write/event-writer.js");
    const catalog = defineEventCatalog({});
    expect(resolveEventWriterOptions({ catalog, maxPayloadBytes: undefined })).toMatchObject({ table: "domain_events", maxPayloadBytes: 65_536 });
    const invalid = expect.objectContaining({ name: "EventsError", code: "invalid_options" });
    expect(() => resolveEventWriterOptions({ catalog, maxPayloadBytes: 1.5 })).toThrow(invalid);
    expect(() => resolveEventWriterOptions({ catalog: undefined as never })).toThrow(invalid);
    expect(() => resolveEventWriterOptions({ catalog, tableName: "Bad" })).toThrow(invalid);
  });
});
