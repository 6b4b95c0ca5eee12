/** One SSE frame as read off the wire. */
export interface SseFrame {
  event?: string;
  id?: string;
  data?: string;
  retry?: string;
  comments: string[];
}

/**
 * Incremental parser of `text/event-stream` that also judges each frame:
 * a frame is broken when it has a field this server never sends, an event
 * frame lacks its id or data, or its data is not JSON.
 */
export class SseFrameReader {
  #buffer = "";
  readonly broken: string[] = [];

  /** Feeds text; returns the frames it completed. */
  push(text: string): SseFrame[] {
    this.#buffer += text;
    const frames: SseFrame[] = [];
    for (let end = this.#buffer.indexOf("\n\n"); end !== -1; end = this.#buffer.indexOf("\n\n")) {
      const raw = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const frame = this.#parse(raw);
      if (frame) frames.push(frame);
    }
    return frames;
  }

  #parse(raw: string): SseFrame | undefined {
    const frame: SseFrame = { comments: [] };
    const data: string[] = [];
    for (const line of raw.split("\n")) {
      if (line.startsWith(":")) {
        frame.comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") frame.event = value;
      else if (field === "id") frame.id = value;
      else if (field === "data") data.push(value);
      else if (field === "retry") frame.retry = value;
      else this.broken.push(`unknown field in ${JSON.stringify(raw)}`);
    }
    if (data.length > 0) frame.data = data.join("\n");
    if (frame.event !== undefined || frame.data !== undefined) {
      if (frame.id === undefined && frame.event !== "reset") this.broken.push(`event without id: ${JSON.stringify(raw)}`);
      if (frame.data === undefined) this.broken.push(`event without data: ${JSON.stringify(raw)}`);
      else {
        try {
          JSON.parse(frame.data);
        } catch {
          this.broken.push(`data is not JSON: ${JSON.stringify(raw)}`);
        }
      }
    }
    return frame;
  }
}
