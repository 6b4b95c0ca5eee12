import { z } from "zod";

const ULID = "[0-9A-HJKMNP-TV-Z]{26}";

/** A money amount or gas figure: a non-negative decimal string, never a float. */
export const decimalString = z
  .string()
  .max(40)
  .regex(/^\d+(\.\d+)?$/, 'must be a non-negative decimal string such as "125.50"');

/** What a `currency` field accepts, in words (also the OpenAPI description). */
export const CURRENCY_RULE =
  'An ISO 4217 code such as "USD" or "EUR", or a token symbol such as "USDC", "USDT", "DAI", "WETH", "WBTC", "cbBTC" or "USDC.e": 2 to 11 letters or digits with at least one capital letter, optionally followed by a dot and a suffix of up to 4 letters or digits. Case is kept as given.';

/**
 * A fiat currency (ISO 4217: three capital letters) or a token symbol of a
 * chain network: letters and digits, at least one capital, an optional
 * ".suffix" for bridged tokens. Lower-case-only text ("usd") and spaces are
 * refused, so a typo is not taken as a new token.
 */
export const currencyCode = z
  .string()
  .regex(/^(?=[^.]*[A-Z])[A-Za-z0-9]{2,11}(\.[A-Za-z0-9]{1,4})?$/, `must be an ISO 4217 code such as "USD" or a token symbol such as "USDC"`)
  .meta({ description: CURRENCY_RULE, example: "USDC" });

/** A network name such as "polygon" or "base". */
export const networkName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must be a lower-case network name such as "polygon"');

/** An id made by `generateId(prefix)`: `<prefix>_<ULID>`. */
export function prefixedId(prefix: string) {
  return z.string().regex(new RegExp(`^${prefix}_${ULID}$`), `must be an id like ${prefix}_01JQXR5V0000000000000000`);
}

/** The value schema of each {@link singleParam}, for the OpenAPI document. */
export const singleParamValues = new WeakMap<z.ZodType, z.ZodType>();

/** A query parameter given at most once, validated by `schema`. */
export function singleParam<S extends z.ZodType<unknown, string>>(schema: S) {
  const param = z
    .array(z.string())
    .max(1, "must be given at most once")
    .transform((values) => values[0]!)
    .pipe(schema);
  singleParamValues.set(param, schema);
  return param;
}

/** A positive integer query parameter (it arrives as text). */
export function integerParam(min: number, max: number) {
  return z.string().regex(/^\d{1,9}$/, "must be a whole number").transform(Number).pipe(z.number().int().min(min).max(max));
}
