export { createEventStreamClient } from "./client.js";
export type { EventStreamClient, StreamState } from "./client.js";
export { resolveEventStreamClientOptions } from "./options.js";
export type { EventStreamClientOptions, HeaderRecord, ResolvedEventStreamClientOptions } from "./options.js";
export { EventStreamError, isEventStreamError } from "./errors.js";
export type { EventStreamErrorCode } from "./errors.js";
export { reconnectDelay } from "./backoff.js";
export type { BackoffInput } from "./backoff.js";
export type { AnyStreamEvent, EventMap, EventTypeIn, HeadersContext, StreamEvent, StreamReset, StreamStatus } from "./types.js";
