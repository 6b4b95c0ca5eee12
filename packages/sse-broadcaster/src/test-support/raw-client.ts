import net from "node:net";
import { waitUntil } from "./wait.js";

/**
 * A raw HTTP/1.1 SSE client over a TCP socket: sees every byte (comments
 * included) and can stop reading to play a slow consumer.
 */
export interface RawClient {
  /** Decoded body text received so far (headers stripped once complete). */
  text(): string;
  /** Whole response so far, headers included. */
  raw(): string;
  /** Stops reading: the kernel buffers fill and the server sees backpressure. */
  pause(): void;
  resume(): void;
  /** Resolves when the server ended or reset the connection. */
  ended: Promise<void>;
  /** Resolves when the response body ended (last chunk) or the connection closed. */
  responseEnded(): Promise<void>;
  destroy(): void;
}

export function connectRaw(port: number, path = "/", headers: Record<string, string> = {}): RawClient {
  const socket = net.connect({ port, host: "127.0.0.1" });
  // Small receive buffer so that backpressure starts early.
  socket.setNoDelay(true);
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  let closed = false;
  const ended = new Promise<void>((resolve) =>
    socket.once("close", () => {
      closed = true;
      resolve();
    }),
  );
  socket.on("error", () => {});
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n${extra}\r\n`);
  return {
    raw: () => Buffer.concat(chunks).toString(),
    text: () => {
      const all = Buffer.concat(chunks);
      const start = all.indexOf("\r\n\r\n");
      return start === -1 ? "" : dechunk(all.subarray(start + 4));
    },
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    ended,
    responseEnded: () =>
      waitUntil(() => closed || Buffer.concat(chunks).toString().endsWith("\r\n0\r\n\r\n"), "end of the response"),
    destroy: () => socket.destroy(),
  };
}

/** Removes HTTP/1.1 chunked transfer-encoding framing (complete chunks only). */
function dechunk(body: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const eol = body.indexOf("\r\n", offset);
    if (eol === -1) break;
    const size = Number.parseInt(body.subarray(offset, eol).toString(), 16);
    if (!Number.isFinite(size) || size === 0) break;
    if (body.length < eol + 2 + size + 2) break;
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    offset = eol + 2 + size + 2;
  }
  return Buffer.concat(parts).toString();
}
