import type { IndexDescription } from 'mongodb';
import { createMissingIndexes, dropExistingIndexes } from './create-missing-indexes';
import type { Migration } from './migration';

/**
 * The sessions feature's indexes: a user's live sessions (the session list,
 * sign-out everywhere), the revocation feed's cursor, and the expiry sweep of
 * both collections. Without them each of those reads scans its collection.
 */
const INDEXES: Readonly<Record<string, readonly IndexDescription[]>> = {
  session: [{ key: { user_id: 1, expires_at: 1 } }, { key: { expires_at: 1 } }],
  session_revocation: [{ key: { at: 1 } }, { key: { expires_at: 1 } }],
};

export const sessionIndexes: Migration = {
  name: '2026-12-03-03-session-indexes',

  async up({ db, log }) {
    for (const [collection, indexes] of Object.entries(INDEXES)) {
      const created = await createMissingIndexes(db.collection(collection), indexes);
      log(`${collection}: ${created} of ${indexes.length} indexes created, the rest were there`);
    }
  },

  async down({ db, log }) {
    for (const [collection, indexes] of Object.entries(INDEXES)) {
      await dropExistingIndexes(db.collection(collection), indexes);
      log(`${collection}: indexes dropped`);
    }
  },
};
