/**
 * A value in a form that compares with `<` and `===`: dates as milliseconds,
 * ObjectIds as their hex text, a missing value as null.
 */
export function plainValue(value: unknown): unknown {
  if (value instanceof Date) return value.getTime();
  if (
    value &&
    typeof value === 'object' &&
    typeof (value as { toHexString?: unknown }).toHexString === 'function'
  ) {
    return (value as { toHexString(): string }).toHexString();
  }
  return value ?? null;
}
