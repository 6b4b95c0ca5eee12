/** One dispatched event, as the WHATWG EventSource would fire it. */
export interface ParsedEvent {
  type: string;
  data: string;
  lastEventId: string;
}

/** Everything a stream carried: events, comments and the last retry value. */
export interface ParsedStream {
  events: ParsedEvent[];
  comments: string[];
  retry: number | undefined;
}

/**
 * A straight transcription of the WHATWG "interpreting an event stream"
 * algorithm, used to check the formatter independently of any client.
 */
export function parseEventStream(text: string): ParsedStream {
  const out: ParsedStream = { events: [], comments: [], retry: undefined };
  let data = "";
  let type = "";
  let lastEventId = "";
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const lines = body.split(/\r\n|\r|\n/);
  lines.pop(); // the text after the last line ending is an incomplete line
  for (const line of lines) {
    if (line === "") {
      if (data === "") {
        type = "";
        continue;
      }
      out.events.push({ type: type || "message", data: data.endsWith("\n") ? data.slice(0, -1) : data, lastEventId });
      data = "";
      type = "";
      continue;
    }
    if (line.startsWith(":")) {
      out.comments.push(line.slice(1).replace(/^ /, ""));
      continue;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") type = value;
    else if (field === "data") data += `${value}\n`;
    else if (field === "id") {
      if (!value.includes("\0")) lastEventId = value;
    } else if (field === "retry" && /^\d+$/.test(value)) out.retry = Number(value);
  }
  return out;
}
