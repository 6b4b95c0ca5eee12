import type { Context } from "hono";
import type { z } from "zod";
import { AppError } from "../errors.js";
import { findUnsafeString } from "./text-guard.js";

function refuseUnsafeStrings(value: unknown, prefix: string): void {
  const path = findUnsafeString(value);
  if (path === undefined) return;
  const field = prefix === "" ? path || "body" : path ? `${prefix}.${path}` : prefix;
  throw new AppError("invalid_parameter", `${field}: must not contain NUL or unpaired surrogate characters`, { field });
}

/** The field an issue points at; unknown keys are named by themselves. */
function fieldOf(issue: z.core.$ZodIssue, prefix: string): string {
  const keys = issue.code === "unrecognized_keys" ? [issue.keys[0] ?? ""] : [];
  const path = [...issue.path.map(String), ...keys].join(".");
  return prefix === "" ? path || "body" : path ? `${prefix}.${path}` : prefix;
}

function failure(error: z.ZodError, code: "validation_failed" | "invalid_parameter", prefix: string): AppError {
  const issue = error.issues[0]!;
  const field = fieldOf(issue, prefix);
  return new AppError(code, `${field}: ${issue.message}`, { field, cause: error });
}

/**
 * Reads a JSON body and validates it with `schema` (a strictObject, so
 * unknown fields are refused). Throws AppError: `unsupported_media_type`,
 * `malformed_json`, or `validation_failed` naming the first bad field.
 */
export async function parseJsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const contentType = c.req.header("content-type") ?? "";
  if (!/^application\/json\b/i.test(contentType)) {
    throw new AppError("unsupported_media_type", "the body must be JSON (Content-Type: application/json)", { field: "Content-Type" });
  }
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch (error) {
    throw new AppError("malformed_json", `the body is not valid JSON: ${(error as Error).message}`, { field: "body", cause: error });
  }
  // Checked before validation: these characters would make the database refuse (500) or alter the text.
  refuseUnsafeStrings(body, "");
  const result = schema.safeParse(body);
  if (!result.success) throw failure(result.error, "validation_failed", "");
  return result.data;
}

/**
 * Validates query parameters; repeated parameters arrive as arrays. Throws
 * AppError `invalid_parameter` naming `query.<name>`.
 */
export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const queries = c.req.queries();
  refuseUnsafeStrings(queries, "query");
  const result = schema.safeParse(queries);
  if (!result.success) throw failure(result.error, "invalid_parameter", "query");
  return result.data;
}

/** Validates one path parameter; throws AppError `invalid_parameter` naming it. */
export function parsePathParam<S extends z.ZodType>(c: Context, name: string, schema: S): z.output<S> {
  const value = c.req.param(name);
  refuseUnsafeStrings(value, name);
  const result = schema.safeParse(value);
  if (!result.success) throw failure(result.error, "invalid_parameter", name);
  return result.data;
}
