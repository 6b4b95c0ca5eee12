import { splitLines } from "./split-lines.js";
import { assertRetry, assertSingleLineField } from "./validate-field.js";

/** The fields of one SSE message. Every field is optional. */
export interface SSEMessage {
  /** Event name (`event:`); omitted when undefined or empty, so the client sees `message`. */
  event?: string | undefined;
  /** Event id (`id:`); an empty string resets the client's last event id. */
  id?: string | undefined;
  /** Data; each line (split on CRLF, CR or LF) becomes one `data:` line. Omitted when undefined. */
  data?: string | undefined;
  /** Reconnection delay hint in milliseconds (`retry:`). */
  retry?: number | undefined;
}

/**
 * Formats one message exactly to the WHATWG server-sent events rules:
 * `event:`, `id:`, `retry:`, one `data:` line per line of data, then a blank
 * line. Data containing CR, LF or CRLF becomes several `data:` lines, which
 * the client joins back with LF. Names and ids containing CR, LF or NUL throw
 * `SSEError("invalid_field")`: no value can break the framing.
 *
 * A message without `data` does not dispatch an event on the client (useful
 * for a bare `retry:` hint). `data: ""` dispatches an event whose data is "".
 *
 * @example
 * ```ts
 * formatSSEMessage({ event: "settlement.created", id: "evt_1", data: '{"a":1}\n{"b":2}' });
 * // "event: settlement.created\nid: evt_1\ndata: {\"a\":1}\ndata: {\"b\":2}\n\n"
 * ```
 */
export function formatSSEMessage(message: SSEMessage): string {
  let out = "";
  if (message.event !== undefined) {
    assertSingleLineField("event", message.event);
    if (message.event !== "") out += `event: ${message.event}\n`;
  }
  if (message.id !== undefined) {
    assertSingleLineField("id", message.id);
    out += `id: ${message.id}\n`;
  }
  if (message.retry !== undefined) {
    assertRetry(message.retry);
    out += `retry: ${message.retry}\n`;
  }
  if (message.data !== undefined) {
    for (const line of splitLines(String(message.data))) out += `data: ${line}\n`;
  }
  return `${out}\n`;
}

/**
 * Formats a comment: one `:` line per line of `text`, then a blank line.
 * Clients ignore comments; they keep proxies from closing an idle connection
 * and carry human-readable notes (why a client was evicted).
 *
 * @example
 * ```ts
 * formatSSEComment("heartbeat"); // ": heartbeat\n\n"
 * ```
 */
export function formatSSEComment(text = ""): string {
  let out = "";
  for (const line of splitLines(text)) out += line === "" ? ":\n" : `: ${line}\n`;
  return `${out}\n`;
}
