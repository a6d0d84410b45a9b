type OneOrIn = string | { $in: string[] };

/**
 * `field` is one of `values`; a single value is a plain equality, which on `_id` is the only
 * filter FerretDB pushes down (docs/architecture.md, "The embedded database").
 */
export function fieldIn<F extends string>(field: F, values: readonly string[]): Record<F, OneOrIn> {
  const unique = [...new Set(values)];
  return { [field]: unique.length === 1 ? unique[0] : { $in: unique } } as Record<F, OneOrIn>;
}

/** `_id` is one of `ids`: what every repository's `findByIds` sends. */
export function idsFilter(ids: readonly string[]): { _id: OneOrIn } {
  return fieldIn('_id', ids);
}
