import type { Connection } from 'mongoose';

/**
 * Documents per collection the embedded database (FerretDB) serves comfortably: it scans the
 * collection for every filter but `_id` equality (docs/architecture.md, "The embedded database").
 */
export const FERRETDB_COMFORTABLE_DOCUMENTS = 10_000;

/** Whether the server behind `connection` is FerretDB (it says so in `buildInfo`). */
export async function isFerretdb(connection: Connection): Promise<boolean> {
  const info = await connection.db?.admin().command({ buildInfo: 1 });
  return typeof info?.ferretdbVersion === 'string';
}

/** The line to print when a collection is asked to hold more than FerretDB serves comfortably, else undefined. */
export function beyondFerretdbScale(
  counts: Record<string, number | undefined>,
): string | undefined {
  const over = Object.entries(counts).filter(
    ([, count]) => (count ?? 0) > FERRETDB_COMFORTABLE_DOCUMENTS,
  );
  if (over.length === 0) return undefined;
  return `Note: the database is FerretDB, which serves about ${FERRETDB_COMFORTABLE_DOCUMENTS.toLocaleString('en')} documents per collection comfortably (it scans for every query but _id equality); ${over.map(([name, count]) => `${count} ${name}`).join(', ')} will make most queries take seconds. For more, set MONGODB_URI to a MongoDB server (docs/architecture.md).`;
}
