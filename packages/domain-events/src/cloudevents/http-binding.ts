import { EventsError } from "../errors.js";
import { assertCloudEvent, type CloudEvent } from "./cloud-event.js";

/** An HTTP message carrying one CloudEvent: lower-case header names, the body as text. */
export interface CloudEventHttpMessage {
  headers: Record<string, string>;
  body: string;
}

/** Headers as `fetch` (`Headers`) or Node (`IncomingHttpHeaders`) hold them. */
export type HttpHeadersLike = Headers | Record<string, string | string[] | undefined>;

/** The media type of the structured mode with the JSON event format. */
export const CLOUDEVENTS_JSON = "application/cloudevents+json";

const invalid = (message: string) => new EventsError("invalid_argument", `cloudevent http: ${message}`);

const isJson = (contentType: string | undefined) => {
  const media = (contentType ?? "application/json").split(";")[0]!.trim().toLowerCase();
  return media === "application/json" || media.endsWith("+json") || media === "text/json";
};

/**
 * Structured mode: the whole event, attributes and data, is the JSON body,
 * sent as `application/cloudevents+json; charset=utf-8`.
 */
export function toStructuredHttp(event: CloudEvent): CloudEventHttpMessage {
  const checked = assertCloudEvent(event);
  if (checked.data !== undefined && !isJson(checked.datacontenttype)) throw invalid("only JSON data is supported in structured mode");
  return { headers: { "content-type": `${CLOUDEVENTS_JSON}; charset=utf-8` }, body: JSON.stringify(checked) };
}

// HTTP binding 3.1.3.2: space, double quote, percent and anything outside printable ASCII are percent-encoded (UTF-8).
const encodeHeaderValue = (value: string) => value.replace(/[^\x21-\x7e]|["%]/gu, (char) => encodeURIComponent(char).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
const decodeHeaderValue = (value: string) => {
  try {
    return decodeURIComponent(value.trim());
  } catch (error) {
    throw new EventsError("invalid_argument", `cloudevent http: header value "${value}" is not valid percent-encoding`, { cause: error });
  }
};

/**
 * Binary mode: each attribute is a `ce-<name>` header (its value
 * percent-encoded as the HTTP binding says), `datacontenttype` is the
 * `Content-Type`, and the body is the data alone.
 */
export function toBinaryHttp(event: CloudEvent): CloudEventHttpMessage {
  const checked = assertCloudEvent(event);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(checked)) {
    if (name === "data" || name === "datacontenttype" || value === undefined) continue;
    headers[`ce-${name}`] = encodeHeaderValue(String(value));
  }
  if (checked.data === undefined) return { headers, body: "" };
  if (!isJson(checked.datacontenttype)) throw invalid("only JSON data is supported");
  headers["content-type"] = checked.datacontenttype ?? "application/json";
  return { headers, body: JSON.stringify(checked.data) };
}

function headerMap(headers: HttpHeadersLike): Map<string, string> {
  const map = new Map<string, string>();
  const entries: [string, string | string[] | undefined][] = [];
  if (headers instanceof Headers) headers.forEach((value, name) => void entries.push([name, value]));
  else entries.push(...Object.entries(headers));
  for (const [name, value] of entries) {
    if (value === undefined) continue;
    map.set(name.toLowerCase(), Array.isArray(value) ? value.join(",") : value);
  }
  return map;
}

/**
 * Reads a CloudEvent from an HTTP request in either mode: structured when
 * the `Content-Type` is `application/cloudevents+json`, binary when a
 * `ce-specversion` header is present. Throws `EventsError("invalid_argument")`
 * for anything else (a batch, a non-JSON body, a malformed event).
 */
export function fromHttp(message: { headers: HttpHeadersLike; body: string }): CloudEvent {
  const headers = headerMap(message.headers);
  const contentType = headers.get("content-type");
  const parseJson = (text: string, what: string) => {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new EventsError("invalid_argument", `cloudevent http: the ${what} is not JSON`, { cause: error });
    }
  };
  if (contentType?.split(";")[0]!.trim().toLowerCase() === CLOUDEVENTS_JSON) {
    const event = assertCloudEvent(parseJson(message.body, "body"));
    if ("data_base64" in event) throw invalid("data_base64 is not supported");
    return event;
  }
  if (!headers.has("ce-specversion")) throw invalid(`neither structured (${CLOUDEVENTS_JSON}) nor binary (ce-specversion header) mode`);
  const event: Record<string, unknown> = {};
  for (const [name, value] of headers) {
    if (name.startsWith("ce-")) event[name.slice(3)] = decodeHeaderValue(value);
  }
  if (contentType !== undefined) event.datacontenttype = contentType;
  if (message.body !== "") {
    if (!isJson(contentType)) throw invalid(`only JSON data is supported (got ${contentType})`);
    event.data = parseJson(message.body, "data");
  }
  return assertCloudEvent(event);
}
