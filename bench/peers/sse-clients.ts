/**
 * N raw SSE clients in one process (net sockets, no parsing: a frame is
 * counted by finding "\nid:" in the bytes), driven over IPC by
 * bench/peers/sse.ts: --port=P --n=N [--sources=K: spread over the source
 * addresses 127.0.0.2 … 127.0.0.(K+1), each good for about 28,000 ports].
 *
 * `arm` snapshots every client's count; the answer to `reached` is the
 * high-resolution wall time at which the last client got one more frame.
 */
import net from "node:net";
import { performance } from "node:perf_hooks";

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const port = Number(arg("port"));
const n = Number(arg("n"));
const sources = Number(arg("sources") ?? 1);

const ID_LINE = Buffer.from("\nid:"); // better-sse writes "id:" without the space
const counts = new Float64Array(n);
const base = new Float64Array(n);
const reached = new Uint8Array(n);
let remaining = -1;
let reachedAt = Number.NaN;
let open = 0;
let failed = 0;

const connect = (i: number) => {
  const socket = net.connect({ port, host: "127.0.0.1", ...(sources > 1 ? { localAddress: `127.0.0.${2 + (i % sources)}` } : {}) });
  socket.setNoDelay(true);
  socket.on("connect", () => {
    open++;
    socket.write("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n");
  });
  let partial = 0; // bytes of ID_LINE the previous chunk ended with
  socket.on("data", (chunk: Buffer) => {
    let found = 0;
    if (partial > 0) {
      const rest = ID_LINE.length - partial;
      if (chunk.length >= rest && chunk.compare(ID_LINE, partial, ID_LINE.length, 0, rest) === 0) found++;
      partial = 0;
    }
    for (let at = chunk.indexOf(ID_LINE); at !== -1; at = chunk.indexOf(ID_LINE, at + ID_LINE.length)) found++;
    for (let k = Math.min(ID_LINE.length - 1, chunk.length); k > 0; k--) {
      if (chunk.compare(ID_LINE, 0, k, chunk.length - k, chunk.length) === 0) {
        partial = k;
        break;
      }
    }
    if (found === 0) return;
    counts[i] = counts[i]! + found;
    if (remaining > 0 && reached[i] === 0 && counts[i]! > base[i]!) {
      reached[i] = 1;
      if (--remaining === 0) reachedAt = performance.timeOrigin + performance.now();
    }
  });
  socket.on("error", () => void failed++);
};

let next = 0;
const batch = () => {
  for (let k = 0; k < 500 && next < n; k++) connect(next++);
  if (next < n) setTimeout(batch, 20);
};
batch();

process.on("disconnect", () => process.exit(0)); // the benchmark that started it is gone
process.on("message", (message: { cmd: string }) => {
  if (message.cmd === "status") process.send?.({ open, failed });
  else if (message.cmd === "arm") {
    base.set(counts);
    reached.fill(0);
    reachedAt = Number.NaN;
    remaining = n;
    process.send?.({ armed: true });
  } else if (message.cmd === "reached") process.send?.({ at: reachedAt, remaining });
});
