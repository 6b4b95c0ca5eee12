/**
 * Splits text on every line ending the SSE parser recognises (CRLF, lone CR,
 * lone LF). Each part becomes its own `data:` or comment line, so no value
 * can end a field or an event early.
 *
 * @example
 * ```ts
 * splitLines("a\r\nb\rc\nd"); // ["a", "b", "c", "d"]
 * splitLines(""); // [""]
 * ```
 */
export function splitLines(text: string): string[] {
  // Fast path: most payloads are one-line JSON.
  if (!text.includes("\n") && !text.includes("\r")) return [text];
  return text.split(/\r\n|\r|\n/);
}
