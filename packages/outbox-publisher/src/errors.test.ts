import { Kysely } from "kysely";
import { describe, expect, test } from "vitest";
import { OutboxError, isOutboxError } from "./errors.js";
import { createEventPublisher } from "./feed/ordered-feed.js";
import { createLogFollower } from "./follow/log-follower.js";
import { replayEvents } from "./replay.js";
import { notifyEventsCommitted } from "./wake/notify.js";
import { createEventWorker } from "./worker/event-worker.js";

const db = {} as Kysely<any>; // never queried: the checks come first

describe("bad input to a public function is an OutboxError with a code, never a stray TypeError", () => {
  test.each([
    ["notifyEventsCommitted with a bad channel", () => notifyEventsCommitted(db, { channel: "not a channel!" }), "invalid_options"],
    ["createEventPublisher with a bad table name", () => createEventPublisher(db, { tableName: "bad; drop table x" }), "invalid_options"],
    ["createEventWorker with a bad table name", () => createEventWorker(db, { group: "mail", handler: () => {}, tableName: "Bad" }), "invalid_options"],
    ["onEvent with a handler that is not a function", () => createEventPublisher(db).onEvent("nope" as never), "invalid_argument"],
    ["subscribe with a listener that is not a function", () => createEventPublisher(db).subscribe("nope" as never), "invalid_argument"],
    ["the log follower's onEvent with a handler that is not a function", () => createLogFollower(db).onEvent("nope" as never), "invalid_argument"],
    ["createEventWorker with a bad type pattern", () => createEventWorker(db, { group: "mail", handler: () => {}, types: ["payment.*", "pay%"] }), "invalid_options"],
  ] as const)("%s", (_, call, code) => {
    let thrown: unknown;
    try {
      call();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(OutboxError);
    expect(isOutboxError(thrown, code)).toBe(true);
  });
});

describe("isOutboxError", () => {
  test("recognises the class by its shape, also from another copy of the package", () => {
    expect(isOutboxError(new OutboxError("not_found", "no such dead letter"), "not_found")).toBe(true);
    expect(isOutboxError(new OutboxError("not_found", "no such dead letter"), "invalid_state")).toBe(false);
    class OutboxError2 extends Error {
      override readonly name = "OutboxError";
      readonly code = "not_found";
    }
    expect(isOutboxError(new OutboxError2("x"), "not_found")).toBe(true);
    for (const other of [undefined, null, new Error("x"), { name: "OutboxError", code: "nope" }, { name: "SSEError", code: "not_found" }]) {
      expect(isOutboxError(other)).toBe(false);
    }
  });
});

test("replayEvents refuses a bad type pattern or table name with an OutboxError before any query", async () => {
  await expect(replayEvents(db, { types: ["settlement.*.x"] }, () => {})).rejects.toSatisfy((error) => isOutboxError(error, "invalid_options"));
  await expect(replayEvents(db, { tableName: "Bad" }, () => {})).rejects.toSatisfy((error) => isOutboxError(error, "invalid_options"));
  await expect(replayEvents(db, {}, "nope" as never)).rejects.toSatisfy((error) => isOutboxError(error, "invalid_argument"));
});
