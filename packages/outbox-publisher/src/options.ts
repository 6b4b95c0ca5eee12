/** The options a caller set: an `undefined` value takes the default, as if it were absent. */
export function definedOptions<O extends object>(options: O | undefined): Partial<O> {
  return Object.fromEntries(Object.entries(options ?? {}).filter(([, value]) => value !== undefined)) as Partial<O>;
}
