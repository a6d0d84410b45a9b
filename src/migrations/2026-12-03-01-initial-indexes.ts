import type { IndexDescription } from 'mongodb';
import { createMissingIndexes, dropExistingIndexes } from './create-missing-indexes';
import type { Migration } from './migration';

/**
 * The indexes the code declared before migrations existed (the Mongoose
 * schemas and the rate-limit counters). Written out rather than read from the
 * schemas: a migration is a fixed step, and later schema changes get migrations
 * of their own. There are no collection validators: the rules live in the
 * schemas (Mongoose validation), as before.
 */
const INDEXES: Readonly<Record<string, readonly IndexDescription[]>> = {
  user: [
    { key: { username: 1 }, unique: true },
    { key: { primary_email: 1 }, unique: true },
    { key: { full_name: 1, _id: 1 } },
    { key: { username: 1, _id: 1 } },
    { key: { primary_locale: 1, _id: 1 } },
    { key: { created_at: 1, _id: 1 } },
  ],
  item: [
    { key: { item_category: 1 } },
    { key: { desc: 1, _id: 1 } },
    { key: { item_category: 1, _id: 1 } },
  ],
  user_order: [
    { key: { user_id: 1 } },
    { key: { payer_id: 1 } },
    { key: { user_id: 1, payer_id: 1 } },
    { key: { user_id: 1, order_date: -1 } },
    { key: { user_id: 1, order_date: 1, _id: 1 } },
    { key: { user_id: 1, created_at: 1, _id: 1 } },
    { key: { user_id: 1, _id: 1 } },
    { key: { 'order_items._id': 1 } },
    { key: { 'order_items.item_id': 1 } },
  ],
  credential: [{ key: { username: 1 }, unique: true }],
  rate_limits: [{ key: { key: 1 }, unique: true }],
};

/** Expired rate-limit counters; FerretDB has no TTL indexes (the service sweeps them there). */
const RATE_LIMIT_TTL: IndexDescription = { key: { expire: 1 }, expireAfterSeconds: 0 };

export const initialIndexes: Migration = {
  name: '2026-12-03-01-initial-indexes',

  async up({ db, log }) {
    for (const [collection, indexes] of Object.entries(INDEXES)) {
      // A database built by Mongoose's autoIndex (development, or before migrations) has them already.
      const created = await createMissingIndexes(db.collection(collection), indexes);
      log(`${collection}: ${created} of ${indexes.length} indexes created, the rest were there`);
    }
    try {
      await createMissingIndexes(db.collection('rate_limits'), [RATE_LIMIT_TTL]);
      log('rate_limits: expiry (TTL) index');
    } catch (error) {
      if (!/expireAfterSeconds.*not implemented/i.test((error as Error).message)) throw error;
      log(
        'rate_limits: no TTL index on this database (FerretDB); the service sweeps expired counters',
      );
    }
  },

  async down({ db, log }) {
    const all = { ...INDEXES, rate_limits: [...INDEXES.rate_limits, RATE_LIMIT_TTL] };
    for (const [collection, indexes] of Object.entries(all)) {
      await dropExistingIndexes(db.collection(collection), indexes);
      log(`${collection}: indexes dropped`);
    }
  },
};
