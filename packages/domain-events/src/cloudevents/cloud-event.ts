import { EventsError } from "../errors.js";

/**
 * A CloudEvent 1.0 as its JSON format writes it: the required context
 * attributes, the optional ones this package sets, `data`, and extension
 * attributes (lower-case names, string values).
 */
export interface CloudEvent<D = unknown> {
  specversion: "1.0";
  id: string;
  source: string;
  type: string;
  subject?: string;
  /** RFC 3339. */
  time?: string;
  datacontenttype?: string;
  dataschema?: string;
  data?: D;
  [extension: string]: unknown;
}

/** The attributes the CloudEvents specification defines (not extensions). */
export const CONTEXT_ATTRIBUTES: ReadonlySet<string> = new Set(["specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema"]);

/** Attribute names: lower-case ASCII letters and digits only (CloudEvents 1.0, "Attribute Naming Convention"). */
const ATTRIBUTE_NAME = /^[a-z0-9]{1,20}$/;

const invalid = (message: string) => new EventsError("invalid_argument", `cloudevent: ${message}`);

/**
 * Checks that `value` is a CloudEvent 1.0 (required attributes present and
 * non-empty strings, `time` RFC 3339, attribute names lower-case
 * alphanumeric) and returns it typed. Throws `EventsError("invalid_argument")`.
 */
export function assertCloudEvent(value: unknown): CloudEvent {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid("must be an object");
  const event = value as Record<string, unknown>;
  if (event.specversion !== "1.0") throw invalid(`specversion must be "1.0" (got ${JSON.stringify(event.specversion)})`);
  for (const name of ["id", "source", "type"]) {
    if (typeof event[name] !== "string" || event[name] === "") throw invalid(`${name} must be a non-empty string`);
  }
  for (const name of ["subject", "datacontenttype", "dataschema", "time"]) {
    if (event[name] !== undefined && (typeof event[name] !== "string" || event[name] === "")) throw invalid(`${name} must be a non-empty string when present`);
  }
  if (typeof event.time === "string" && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(event.time)) {
    throw invalid(`time must be an RFC 3339 timestamp (got "${event.time}")`);
  }
  for (const [name, attribute] of Object.entries(event)) {
    if (name === "data" || name === "data_base64") continue;
    if (!ATTRIBUTE_NAME.test(name)) throw invalid(`attribute name "${name}" must be 1-20 lower-case letters or digits`);
    if (!CONTEXT_ATTRIBUTES.has(name) && typeof attribute !== "string" && typeof attribute !== "number" && typeof attribute !== "boolean") {
      throw invalid(`extension attribute "${name}" must be a string, number or boolean`);
    }
  }
  return event as CloudEvent;
}
