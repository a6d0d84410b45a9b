/**
 * A value in a form that compares with `<` and `===`: dates as milliseconds,
 * ObjectIds as their hex text, a missing value as null.
 */
export function plainValue(value: unknown): unknown {
  if (value instanceof Date) return value.getTime();
  if (isObjectId(value)) return value.toHexString();
  return value ?? null;
}

/** An ObjectId (the driver's or Mongoose's), told by its method rather than by its class. */
export function isObjectId(value: unknown): value is { toHexString(): string } {
  return typeof (value as { toHexString?: unknown } | null)?.toHexString === 'function';
}
