import type { Model } from 'mongoose';

/** How a bulk insert went: documents written, and documents already there (same `_id` or unique value). */
export interface InsertReport {
  readonly inserted: number;
  readonly existing: number;
}

/**
 * Inserts every document that is not there yet, unordered, in one command:
 * a duplicate key (data generated before with the same seed) is skipped and
 * counted, so running the same bulk seed twice changes nothing and fails
 * nothing. Any other write error is thrown.
 */
export async function insertNew(
  model: Model<any>, // eslint-disable-line @typescript-eslint/no-explicit-any -- any collection's model
  documents: readonly object[],
): Promise<InsertReport> {
  try {
    await model.insertMany(documents, { ordered: false });
    return { inserted: documents.length, existing: 0 };
  } catch (error) {
    const { writeErrors } = error as { writeErrors?: { code?: number; err?: { code?: number } }[] };
    const allDuplicates =
      Array.isArray(writeErrors) && writeErrors.every((e) => (e.code ?? e.err?.code) === 11000);
    if (!allDuplicates) throw error;
    return { inserted: documents.length - writeErrors.length, existing: writeErrors.length };
  }
}
