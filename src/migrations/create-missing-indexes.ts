import type { Collection, IndexDescription } from 'mongodb';

/** The server's default name of an index: `field_direction` pairs joined by `_`. */
export const indexName = (index: IndexDescription): string =>
  index.name ??
  Object.entries(index.key)
    .map(([field, direction]) => `${field}_${String(direction)}`)
    .join('_');

/**
 * Creates the indexes the collection lacks (by name), one command each: FerretDB
 * 1.24 drops the connection when one createIndexes command names several
 * indexes that exist already. Returns how many it created.
 */
export async function createMissingIndexes(
  collection: Collection,
  indexes: readonly IndexDescription[],
): Promise<number> {
  const existing = new Set(
    (
      await collection
        .listIndexes()
        .toArray()
        .catch(() => [])
    ).map((index) => String(index.name)),
  );
  let created = 0;
  for (const index of indexes) {
    if (existing.has(indexName(index))) continue;
    await collection.createIndexes([index]);
    created += 1;
  }
  return created;
}
