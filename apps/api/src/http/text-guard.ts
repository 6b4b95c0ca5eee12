/**
 * Characters PostgreSQL cannot store, or that would not survive the trip:
 * NUL (refused in `text` and `jsonb`) and UTF-16 surrogates without their
 * pair (invalid Unicode: refused in `jsonb`, silently replaced in `text`).
 */
const UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `text` holds a character that must not reach the database. */
export function hasUnsafeCharacter(text: string): boolean {
  return UNSAFE.test(text);
}

/**
 * The path (`a.b.0`) of the first string, key or value, anywhere in `value`
 * that holds a NUL or an unpaired surrogate; undefined when there is none.
 * Iterative, so a deeply nested body cannot overflow the stack.
 */
export function findUnsafeString(value: unknown): string | undefined {
  const pending: { value: unknown; path: string[] }[] = [{ value, path: [] }];
  while (pending.length > 0) {
    const { value: current, path } = pending.pop()!;
    if (typeof current === "string") {
      if (hasUnsafeCharacter(current)) return path.join(".");
    } else if (Array.isArray(current)) {
      current.forEach((item, index) => pending.push({ value: item, path: [...path, String(index)] }));
    } else if (current !== null && typeof current === "object") {
      for (const [key, item] of Object.entries(current)) {
        if (hasUnsafeCharacter(key)) return [...path, key].join(".");
        pending.push({ value: item, path: [...path, key] });
      }
    }
  }
  return undefined;
}
