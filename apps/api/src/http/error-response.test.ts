import { ConcurrencyError, ValidationError } from "@org/events";
import { OutboxError } from "@org/outbox-publisher";
import { SSEError } from "@org/sse-broadcaster";
import { Hono } from "hono";
import { describe, expect, test } from "vitest";
import { AppError } from "../errors.js";
import { errorResponse } from "./error-response.js";

async function answer(error: unknown) {
  const app = new Hono();
  app.get("/", () => {
    throw error;
  });
  app.onError((e, c) => errorResponse(e, c));
  const response = await app.request("/");
  return { status: response.status, body: await response.json() };
}

/** An error as a second copy of a package throws it: another class, the same name and fields. */
function fromAnotherCopy<T extends object>(name: string, fields: T): Error & T {
  return Object.assign(Object.create(Error.prototype, { name: { value: name, enumerable: false } }) as Error, { message: "copy" }, fields);
}

describe("errorResponse maps errors by their shape, so a second copy of a package maps the same", () => {
  test.each([
    ["AppError", new AppError("not_found", "settlement x not found"), 404, { code: "not_found" }],
    ["ValidationError", new ValidationError("amount", "bad"), 422, { code: "validation_failed", field: "amount" }],
    ["ConcurrencyError", new ConcurrencyError({ aggregateType: "settlement", aggregateId: "stl_1" }), 409, { code: "concurrency_conflict" }],
    ["SSEError", new SSEError("too_many_clients", "busy"), 503, { code: "too_many_clients" }],
    ["OutboxError not_found", new OutboxError("not_found", "no such dead letter"), 404, { code: "not_found" }],
  ] as const)("%s from this copy", async (_, error, status, body) => {
    const response = await answer(error);
    expect(response.status).toBe(status);
    expect(response.body.error).toMatchObject(body);
  });

  test.each([
    ["AppError", fromAnotherCopy("AppError", { code: "invalid_transition", field: undefined }), 409, { code: "invalid_transition" }],
    ["ValidationError", fromAnotherCopy("ValidationError", { code: "validation_failed", field: "payload.amount" }), 422, { code: "validation_failed", field: "payload.amount" }],
    ["ConcurrencyError", fromAnotherCopy("ConcurrencyError", { code: "concurrency_conflict" }), 409, { code: "concurrency_conflict" }],
    ["UnknownEventTypeError", fromAnotherCopy("UnknownEventTypeError", { code: "unknown_event_type" }), 422, { code: "unknown_event_type" }],
    ["SSEError", fromAnotherCopy("SSEError", { code: "duplicate_client" }), 409, { code: "duplicate_client" }],
    ["OutboxError", fromAnotherCopy("OutboxError", { code: "not_found" }), 404, { code: "not_found" }],
  ] as const)("%s from another copy", async (_, error, status, body) => {
    expect(error).not.toBeInstanceOf(ValidationError);
    const response = await answer(error);
    expect(response.status).toBe(status);
    expect(response.body.error).toMatchObject(body);
  });

  test("anything else is a 500 without its details", async () => {
    const response = await answer(new Error("secret detail"));
    expect(response).toEqual({ status: 500, body: { error: { code: "internal_error", message: "internal error" } } });
  });
});
