import type { EventTypeOf, PayloadOf } from "./define-event-catalog.js";

/**
 * A camelCase key in snake_case, at the type level: `"gasEstimate"` →
 * `"gas_estimate"`. Each upper-case letter becomes `_` and its lower case,
 * exactly as {@link snakeCaseKey} does at run time.
 */
export type SnakeCase<S extends string> = S extends `${infer Head}${infer Rest}`
  ? Head extends Lowercase<Head>
    ? `${Head}${SnakeCase<Rest>}`
    : `_${Lowercase<Head>}${SnakeCase<Rest>}`
  : S;

/** A flat payload with its keys in snake_case: what an SSE `data:` line carries. */
export type WirePayload<P> = { [K in keyof P as K extends string ? SnakeCase<K> : K]: P[K] };

/**
 * Every event type of a catalog mapped to its payload on the wire (keys in
 * snake_case). Browser clients type their streams with it through a
 * type-only import, so no zod reaches their bundle.
 *
 * @example
 * import type { PlatformCatalog, WireEvents } from "@org/events";
 * type Events = WireEvents<PlatformCatalog>;
 * //   Events["settlement.confirmation_progress"] is
 * //   { settlement_id: string; confirmations: number; required: number; network: string | null }
 */
export type WireEvents<C> = { [T in EventTypeOf<C>]: WirePayload<PayloadOf<C, T>> };

/** `settlementId` → `settlement_id`: the run-time twin of {@link SnakeCase}. */
export function snakeCaseKey<K extends string>(key: K): SnakeCase<K> {
  let out = "";
  for (const char of key) out += char === char.toLowerCase() ? char : `_${char.toLowerCase()}`;
  return out as SnakeCase<K>;
}

/**
 * A flat payload with its keys in snake_case, keys in the order given. The
 * one definition of the wire format: servers serialize with it and clients
 * type what they receive with {@link WirePayload} / {@link WireEvents}.
 */
export function toWirePayload<P extends Record<string, unknown>>(payload: P): WirePayload<P> {
  return Object.fromEntries(Object.entries(payload).map(([key, value]) => [snakeCaseKey(key), value])) as WirePayload<P>;
}
