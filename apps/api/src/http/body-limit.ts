import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";

/**
 * Refuses a request body over `maxBytes` with `onTooLarge`. A body with a
 * Content-Length (what clients send for JSON) is judged by that header, and
 * the handler then reads it straight from the socket: Hono's `bodyLimit`
 * alone turns every request into a web `Request` with a body stream, which
 * cost about a tenth of the service's CPU under load. A chunked body goes
 * through `bodyLimit`, which counts it as it arrives.
 */
export function limitBodySize(maxBytes: number, onTooLarge: (c: Context) => Response | Promise<Response>): MiddlewareHandler {
  const counted = bodyLimit({ maxSize: maxBytes, onError: onTooLarge });
  return async function limitBody(c, next) {
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const length = c.req.header("content-length");
    if (length !== undefined && c.req.header("transfer-encoding") === undefined) {
      // Node's parser has already refused a Content-Length that is not a number, and reads exactly that many bytes.
      return Number(length) > maxBytes ? onTooLarge(c) : next();
    }
    return counted(c, next);
  };
}
