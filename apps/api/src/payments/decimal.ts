/** A decimal string as an integer of units of 10^-scale, so money never meets a float. */
function parse(value: string): { units: bigint; scale: number } {
  const [whole = "0", fraction = ""] = value.split(".");
  return { units: BigInt(whole + fraction), scale: fraction.length };
}

function align(a: string, b: string): [bigint, bigint, number] {
  const x = parse(a);
  const y = parse(b);
  const scale = Math.max(x.scale, y.scale);
  return [x.units * 10n ** BigInt(scale - x.scale), y.units * 10n ** BigInt(scale - y.scale), scale];
}

function format(units: bigint, scale: number): string {
  if (scale === 0) return units.toString();
  const digits = units.toString().padStart(scale + 1, "0");
  return `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** Compares two non-negative decimal strings: -1, 0 or 1. */
export function compareDecimal(a: string, b: string): number {
  const [x, y] = align(a, b);
  return x === y ? 0 : x < y ? -1 : 1;
}

/** The exact sum of two non-negative decimal strings. */
export function addDecimal(a: string, b: string): string {
  const [x, y, scale] = align(a, b);
  return format(x + y, scale);
}

/** The exact difference `a - b` of two non-negative decimal strings, `a >= b`; throws when `b` is larger. */
export function subtractDecimal(a: string, b: string): string {
  const [x, y, scale] = align(a, b);
  if (y > x) throw new RangeError(`${b} is larger than ${a}`);
  return format(x - y, scale);
}
