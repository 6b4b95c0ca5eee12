import fc from "fast-check";

/** Strings an attacker or a broken client sends: NUL, lone surrogates, control bytes, huge, injection, prototype names. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "",
      "a\u0000b",
      "\u0000",
      "\ud800",
      "x\udfffy",
      "\ud83d\ude00",
      "\r\n\r\n",
      "event: hacked\ndata: x\n\n",
      "' or 1=1 --",
      "'; drop table settlements; --",
      "__proto__",
      "constructor",
      "prototype",
      "%00",
      "%ff%fe",
      "../../etc/passwd",
      "NaN",
      "Infinity",
      "-0",
      "1e309",
      "9".repeat(400),
      "\u202e\u0000\ufeff",
      "stl_01JQXR5V0000000000000000",
      "pay_01JQXR5V0000000000000000",
      "evt_01JQXR5V0000000000000000",
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 70_000 }).map((n) => "x".repeat(n)) },
  { weight: 1, arbitrary: fc.constant("y".repeat(1 << 20)) },
);

/** Numbers out of every range the API accepts. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -0, -1, 1.5, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), 1e308, Number.MIN_VALUE, 1e-400, 1_000_001),
);

/** Any JSON-ish value, with hostile leaves. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileString, fc.constantFrom("__proto__", "constructor", "amount", "currency")), tie("value"), { maxKeys: 4 }),
  ),
})).value;

/** Raw JSON text that JSON.stringify cannot produce: deep nesting, big exponents, duplicate and prototype keys, invalid JSON. */
export const hostileJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 10, max: 20_000 }).map((depth) => "[".repeat(depth) + "]".repeat(depth)),
  fc.integer({ min: 10, max: 5_000 }).map((depth) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth)),
  fc.constantFrom(
    '{"amount": 1e999, "currency": "USD"}',
    '{"amount": "1.00", "amount": "2.00", "currency": "USD"}',
    '{"__proto__": {"admin": true}, "amount": "1.00", "currency": "USD"}',
    '{"constructor": {"prototype": {"x": 1}}}',
    '{"amount": "1.00", "currency": "U\\u0000D"}',
    '{"error": "a\\u0000b"}',
    '{"error": "\\ud800"}',
    '{"reasoning": "\\udc00", "network": "polygon", "score": 1}',
    '{"confirmations": 1e400}',
    '{"confirmations": -1e-400}',
    "[]",
    "null",
    '"string"',
    "123",
    "{",
    '{"a":}',
    "\u0000",
    "",
  ),
);

/** Bytes that are not UTF-8. */
export const invalidUtf8: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constantFrom(
    Uint8Array.from([0xff, 0xfe, 0xfd]),
    Uint8Array.from([0x7b, 0x22, 0x65, 0x72, 0x72, 0x6f, 0x72, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), // {"error":"\xc3(" }
    Uint8Array.from([0xed, 0xa0, 0x80]), // an encoded surrogate
    Uint8Array.from([0xc0, 0x80]), // overlong NUL
  ),
  fc.uint8Array({ maxLength: 64 }),
);

/** A request body: JSON of a hostile value, hostile JSON text, or raw bytes. */
export const hostileBody: fc.Arbitrary<string | Uint8Array | undefined> = fc.oneof(
  { weight: 4, arbitrary: hostileValue.map((value) => JSON.stringify(value) ?? "null") },
  { weight: 2, arbitrary: hostileJsonText },
  { weight: 1, arbitrary: invalidUtf8 },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/** A header value fetch can send (latin-1, no CR, LF or NUL), however hostile. */
export const hostileHeaderValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((code) => code !== 0x7f).map((code) => String.fromCharCode(code)), maxLength: 300 }),
  fc.constantFrom("", " ", "evt_01JQXR5V0000000000000000", "evt_x", "a b", "\u00ff\u00fe", "x".repeat(8_000)),
);

/** Percent-encodes every UTF-8 byte of `text` (lone surrogates become U+FFFD), or raw bytes given as such. */
export function percentEncode(text: string | Uint8Array): string {
  const bytes = typeof text === "string" ? Buffer.from(text) : Buffer.from(text);
  return [...bytes].map((byte) => `%${byte.toString(16).padStart(2, "0")}`).join("");
}

/** A path segment: hostile text, raw bytes, or ids of the right and wrong shapes. */
export const hostilePathSegment: fc.Arbitrary<string> = fc.oneof(
  hostileString.filter((text) => text.length < 2_000).map(percentEncode),
  invalidUtf8.map(percentEncode),
  fc.constantFrom("..", "%2e%2e", "%2F", "%00", "%", "%zz", "stl_01JQXR5V0000000000000000", "stl_01jqxr5v0000000000000000", "pay_01JQXR5V0000000000000000"),
);

/** A query string of hostile names and values, repeated parameters included. */
export const hostileQuery = (names: readonly string[]): fc.Arbitrary<string> =>
  fc
    .array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...names), hostileString.filter((text) => text.length < 200)),
        fc.oneof(hostileString.filter((text) => text.length < 2_000), invalidUtf8.map((bytes) => Buffer.from(bytes).toString("latin1"))),
        fc.boolean(),
      ),
      { maxLength: 5 },
    )
    .map((pairs) => pairs.map(([name, value, raw]) => `${percentEncode(name)}=${raw ? value.replace(/[^A-Za-z0-9%._~-]/g, "") : percentEncode(value)}`).join("&"));
