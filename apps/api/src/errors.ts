/** Stable codes of the errors the app raises; HTTP maps each to a status in one place. */
export type AppErrorCode =
  | "validation_failed"
  | "invalid_parameter"
  | "malformed_json"
  | "unsupported_media_type"
  | "payload_too_large"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "invalid_transition"
  | "idempotency_key_reused"
  | "rate_limited"
  | "too_many_streams"
  | "database_unavailable";

/** The app's one error class: a stable code, a message, and the field at fault if any. */
export class AppError extends Error {
  readonly code: AppErrorCode;
  /** The request field at fault, e.g. `amount` or `query.limit`. */
  readonly field: string | undefined;
  /** Seconds the client should wait before trying again (sent as `Retry-After`). */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: AppErrorCode, message: string, options?: { field?: string | undefined; cause?: unknown; retryAfterSeconds?: number }) {
    super(message, { cause: options?.cause });
    this.name = "AppError";
    this.code = code;
    this.field = options?.field;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

const CODES: ReadonlySet<string> = new Set<AppErrorCode>([
  "validation_failed",
  "invalid_parameter",
  "malformed_json",
  "unsupported_media_type",
  "payload_too_large",
  "unauthorized",
  "forbidden",
  "not_found",
  "invalid_transition",
  "idempotency_key_reused",
  "rate_limited",
  "too_many_streams",
  "database_unavailable",
]);

/** True when `error` is an {@link AppError} (by its shape, like the packages' guards), with `code` if given. */
export function isAppError(error: unknown, code?: AppErrorCode): error is AppError {
  if (typeof error !== "object" || error === null) return false;
  const candidate = error as { name?: unknown; code?: unknown };
  if (candidate.name !== "AppError" || typeof candidate.code !== "string" || !CODES.has(candidate.code)) return false;
  return code === undefined || candidate.code === code;
}

/** The resource does not exist for this tenant (another tenant's id looks the same). */
export function notFound(what: string, id: string): AppError {
  return new AppError("not_found", `${what} ${id} not found`);
}

/** The state machine forbids the command in the current state. */
export function invalidTransition(message: string): AppError {
  return new AppError("invalid_transition", message);
}
