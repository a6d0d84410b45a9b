/**
 * A value in a form that compares with `<` and `===`: dates as milliseconds,
 * ObjectIds as their hex text, a missing value as null.
 */
export function plainValue(value: unknown): unknown {
  if (value instanceof Date) return value.getTime();
  if (isObjectId(value)) return value.toHexString();
  return value ?? null;
}

/** The value at a dotted path of a plain object, or undefined. */
export function valueAt(doc: unknown, path: string): unknown {
  let current: unknown = doc;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** An ObjectId (the driver's or Mongoose's), told by its method rather than by its class. */
export function isObjectId(value: unknown): value is { toHexString(): string } {
  return typeof (value as { toHexString?: unknown } | null)?.toHexString === 'function';
}
