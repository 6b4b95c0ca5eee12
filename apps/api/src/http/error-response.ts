import { isEventsError } from "@org/events";
import { isOutboxError } from "@org/outbox-publisher";
import type { Context } from "hono";
import { isSSEError } from "@org/sse-broadcaster";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AppError, isAppError, type AppErrorCode } from "../errors.js";
import { isDatabaseUnavailable } from "./database-unavailable.js";

const STATUS_BY_CODE: Record<AppErrorCode, ContentfulStatusCode> = {
  invalid_parameter: 400,
  malformed_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  invalid_transition: 409,
  idempotency_key_reused: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  rate_limited: 429,
  too_many_streams: 429,
  database_unavailable: 503,
};

/** Seconds a client waits before retrying while the database is unreachable. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

const SSE_STATUS: Partial<Record<string, ContentfulStatusCode>> = {
  too_many_clients: 503,
  duplicate_client: 409,
  invalid_filter: 400,
  closed: 503,
};

interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

/**
 * Each package's error is recognised by its shape guard, never `instanceof`:
 * two copies of a package (ESM and CJS, or two versions) have two classes.
 */
function toErrorBody(error: unknown): { status: ContentfulStatusCode; body: ErrorBody; retryAfterSeconds?: number | undefined } {
  if (isAppError(error)) {
    const field = error.field === undefined ? {} : { field: error.field };
    return {
      status: STATUS_BY_CODE[error.code],
      body: { error: { code: error.code, message: error.message, ...field } },
      retryAfterSeconds: error.retryAfterSeconds,
    };
  }
  if (isDatabaseUnavailable(error)) {
    const message = "the database cannot be reached, or every connection stayed busy, right now; retry shortly";
    return { status: 503, body: { error: { code: "database_unavailable", message } }, retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS };
  }
  if (isEventsError(error, "validation_failed")) {
    return { status: 422, body: { error: { code: error.code, message: error.message, field: error.field } } };
  }
  if (isEventsError(error, "concurrency_conflict")) {
    return { status: 409, body: { error: { code: error.code, message: `${error.message}; retry the request` } } };
  }
  if (isEventsError(error)) {
    return { status: 422, body: { error: { code: error.code, message: error.message } } };
  }
  if (isOutboxError(error, "not_found")) {
    return { status: 404, body: { error: { code: error.code, message: error.message } } };
  }
  if (isSSEError(error)) {
    const status = SSE_STATUS[error.code] ?? 500;
    return { status, body: { error: { code: error.code, message: error.message } }, retryAfterSeconds: status === 503 ? 5 : undefined };
  }
  if (error instanceof HTTPException && error.status < 500) {
    return { status: error.status as ContentfulStatusCode, body: { error: { code: "bad_request", message: error.message } } };
  }
  return { status: 500, body: { error: { code: "internal_error", message: "internal error" } } };
}

/**
 * The one place errors become HTTP responses: `{"error": {"code", "message",
 * "field"?}}` with the status of the code, and `Retry-After` when waiting
 * helps (429, 503). An unreachable database answers 503
 * `database_unavailable`; other unknown errors are logged and answered as
 * 500 without their details.
 */
export function errorResponse(error: unknown, c: Context): Response {
  const { status, body, retryAfterSeconds } = toErrorBody(error);
  if (status >= 500 && status !== 503) console.error(`${c.req.method} ${c.req.path} failed:`, error);
  if (retryAfterSeconds !== undefined) c.header("Retry-After", String(retryAfterSeconds));
  return c.json(body, status);
}
