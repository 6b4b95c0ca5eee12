import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { assertPublicHost, guardedLookup } from "./address-guard.js";

/** A delivery attempt that did not end in a 2xx answer. */
export class WebhookDeliveryError extends Error {
  constructor(message: string, readonly status?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WebhookDeliveryError";
  }
}

/** Options of {@link postWebhook}. */
export interface PostWebhookOptions {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The whole exchange, connection to response headers. */
  timeoutMs: number;
  /** Skip the private-address check (receivers on 127.0.0.1 in tests, internal deployments). */
  allowPrivateNetworks: boolean;
}

/**
 * POSTs one webhook and resolves with the status of a 2xx answer. Rejects
 * with WebhookDeliveryError on a non-2xx answer, a timeout, a network error
 * or a forbidden address (checked on the address actually connected to).
 * The response body is discarded; redirects are not followed.
 */
export async function postWebhook(options: PostWebhookOptions): Promise<number> {
  const url = new URL(options.url);
  if (!options.allowPrivateNetworks) {
    try {
      await assertPublicHost(url.hostname); // literal addresses skip `lookup`
    } catch (error) {
      throw new WebhookDeliveryError((error as Error).message, undefined, { cause: error });
    }
  }
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<number>((resolve, reject) => {
    const signal = AbortSignal.timeout(options.timeoutMs);
    const req = request(
      url,
      {
        method: "POST",
        headers: { ...options.headers, "content-length": String(Buffer.byteLength(options.body)), "user-agent": "settlement-service-webhooks/1" },
        signal,
        ...(options.allowPrivateNetworks ? {} : { lookup: guardedLookup }),
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve(status);
        else reject(new WebhookDeliveryError(`the endpoint answered ${status}`, status));
      },
    );
    req.on("error", (error) => {
      const message = signal.aborted ? `no answer within ${options.timeoutMs} ms` : `request failed: ${error.message}`;
      reject(new WebhookDeliveryError(message, undefined, { cause: error }));
    });
    req.end(options.body);
  });
}
