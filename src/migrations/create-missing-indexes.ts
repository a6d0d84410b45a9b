import type { Collection, IndexDescription } from 'mongodb';

/** The server's default name of an index: `field_direction` pairs joined by `_`. */
const indexName = (index: IndexDescription): string =>
  index.name ??
  Object.entries(index.key)
    .map(([field, direction]) => `${field}_${String(direction)}`)
    .join('_');

/** The names of the collection's indexes: none when the collection does not exist yet. */
async function indexNames(collection: Collection): Promise<Set<string>> {
  const indexes = await collection
    .listIndexes()
    .toArray()
    .catch(() => []);
  return new Set(indexes.map((index) => String(index.name)));
}

/**
 * Creates the indexes the collection lacks (by name), one command each: FerretDB
 * 1.24 drops the connection when one createIndexes command names several
 * indexes that exist already. Returns how many it created.
 */
export async function createMissingIndexes(
  collection: Collection,
  indexes: readonly IndexDescription[],
): Promise<number> {
  const existing = await indexNames(collection);
  let created = 0;
  for (const index of indexes) {
    if (existing.has(indexName(index))) continue;
    await collection.createIndexes([index]);
    created += 1;
  }
  return created;
}

/** Drops those of the indexes the collection has (by name): a migration's `down`. */
export async function dropExistingIndexes(
  collection: Collection,
  indexes: readonly IndexDescription[],
): Promise<void> {
  const existing = await indexNames(collection);
  for (const index of indexes)
    if (existing.has(indexName(index))) await collection.dropIndex(indexName(index));
}
