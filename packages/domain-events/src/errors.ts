/** Stable codes of the errors this package throws. */
export type EventsErrorCode =
  | "validation_failed"
  | "unknown_event_type"
  | "concurrency_conflict"
  | "invalid_event_stream"
  | "invalid_options"
  | "invalid_argument"
  | "checkpoint_expired";

const CODES: ReadonlySet<string> = new Set<EventsErrorCode>([
  "validation_failed",
  "unknown_event_type",
  "concurrency_conflict",
  "invalid_event_stream",
  "invalid_options",
  "invalid_argument",
  "checkpoint_expired",
]);
const NAMES: ReadonlySet<string> = new Set(["EventsError", "ValidationError", "UnknownEventTypeError", "ConcurrencyError", "CheckpointExpiredError"]);

/**
 * Base class of every error thrown by `@org/events`: a stable `code` to
 * branch on and, where there is one, the underlying `cause`.
 */
export class EventsError extends Error {
  readonly code: EventsErrorCode;

  constructor(code: EventsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * True when `error` is an {@link EventsError} (any of its classes), with the
 * given code if one is passed. It checks the shape (`name` and `code`), not
 * the class, so it also holds across two copies of this package (ESM and CJS
 * builds, or two versions in one tree), where `instanceof` fails. The codes
 * `validation_failed` and `concurrency_conflict` narrow to their classes.
 *
 * @example
 * if (isEventsError(error, "validation_failed")) console.log(error.field);
 */
export function isEventsError(error: unknown, code: "validation_failed"): error is ValidationError;
export function isEventsError(error: unknown, code: "concurrency_conflict"): error is ConcurrencyError;
export function isEventsError(error: unknown, code: "unknown_event_type"): error is UnknownEventTypeError;
export function isEventsError(error: unknown, code: "checkpoint_expired"): error is CheckpointExpiredError;
export function isEventsError(error: unknown, code?: EventsErrorCode): error is EventsError;
export function isEventsError(error: unknown, code?: EventsErrorCode): boolean {
  if (typeof error !== "object" || error === null) return false;
  const candidate = error as { name?: unknown; code?: unknown };
  if (typeof candidate.name !== "string" || !NAMES.has(candidate.name)) return false;
  if (typeof candidate.code !== "string" || !CODES.has(candidate.code)) return false;
  return code === undefined || candidate.code === code;
}

/** An event that cannot be written: names the offending field. */
export class ValidationError extends EventsError {
  /** Dotted path of the offending field, e.g. `payload.amount`. */
  readonly field: string;

  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super("validation_failed", `${field}: ${message}`, options);
    this.field = field;
  }
}

/** The event type is not in the catalog. */
export class UnknownEventTypeError extends EventsError {
  readonly eventType: string;

  constructor(eventType: string) {
    super("unknown_event_type", `eventType: unknown event type "${eventType}"`);
    this.eventType = eventType;
  }
}

/** Another writer appended to the aggregate first. */
export class ConcurrencyError extends EventsError {
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly expectedVersion: number | undefined;

  constructor(
    target: { aggregateType: string; aggregateId: string; expectedVersion?: number | undefined },
    options?: { cause?: unknown },
  ) {
    const expected = target.expectedVersion === undefined ? "" : ` (expected version ${target.expectedVersion})`;
    super(
      "concurrency_conflict",
      `${target.aggregateType} ${target.aggregateId} was changed by another writer${expected}`,
      options,
    );
    this.aggregateType = target.aggregateType;
    this.aggregateId = target.aggregateId;
    this.expectedVersion = target.expectedVersion;
  }
}

/**
 * The checkpoint is before the log's low-water checkpoint: retention has
 * deleted events after it, so reading on from it would skip them. Start
 * again from current state (the SSE reset event) or from `getLowWater()`.
 */
export class CheckpointExpiredError extends EventsError {
  readonly lowWater: { transactionId: string; position: number };

  constructor(lowWater: { transactionId: string; position: number }) {
    super("checkpoint_expired", `checkpoint is before the log's low-water checkpoint (${lowWater.transactionId}, ${lowWater.position}): events after it were deleted by retention`);
    this.lowWater = lowWater;
  }
}
