/**
 * `_id` is one of `ids`. A single id becomes a plain equality: MongoDB uses
 * the `_id` index either way, but equality on `_id` is the only filter
 * FerretDB's SQLite backend pushes down, so `$in` of one id would scan the
 * whole collection there (docs/performance.md).
 */
export function idsFilter(ids: readonly string[]): { _id: string | { $in: string[] } } {
  const unique = [...new Set(ids)];
  return unique.length === 1 ? { _id: unique[0] } : { _id: { $in: unique } };
}
