import type { Migration } from './migration';

const BATCH_SIZE = 500;
const DEFAULT_ROLES = ['user'];

/**
 * The pattern to copy for a new field: users from the original demo have no
 * `roles`, which the code reads as `['user']`; this writes it, so queries and
 * indexes on `roles` see every user. In batches (a bounded write each, other
 * requests served in between), by `_id`, touching only documents still
 * lacking the field: running it again, or after it was cut short, finishes
 * the job and changes nothing else. The code keeps reading a missing field as
 * the default until this has run everywhere.
 */
export const userRolesBackfill: Migration = {
  name: '2026-12-03-02-user-roles-backfill',

  async up({ db, log, signal }) {
    const users = db.collection<{ _id: string; roles?: string[] }>('user');
    const missing = { roles: { $exists: false } };
    let done = 0;
    for (;;) {
      signal.throwIfAborted();
      const batch = await users
        .find(missing, { projection: { _id: 1 }, sort: { _id: 1 }, limit: BATCH_SIZE })
        .toArray();
      if (batch.length === 0) break;
      // One bounded write per batch (FerretDB 1.24 hangs on an update command of a hundred
      // statements, so not a bulkWrite); the condition again: a user given roles since the read keeps them.
      const result = await users.updateMany(
        { _id: { $in: batch.map((user) => user._id) }, ...missing },
        { $set: { roles: DEFAULT_ROLES } },
      );
      done += result.modifiedCount;
      log(`user.roles: ${done} users given ['user']`);
    }
    if (done === 0) log('user.roles: every user has roles already');
  },

  /** Back to the field absent where it holds only the default (what the code reads the same way). */
  async down({ db, log, signal }) {
    const users = db.collection<{ _id: string; roles?: string[] }>('user');
    const defaultOnly = { roles: DEFAULT_ROLES };
    let done = 0;
    for (;;) {
      signal.throwIfAborted();
      const batch = await users
        .find(defaultOnly, { projection: { _id: 1 }, sort: { _id: 1 }, limit: BATCH_SIZE })
        .toArray();
      if (batch.length === 0) break;
      const result = await users.updateMany(
        { _id: { $in: batch.map((user) => user._id) }, ...defaultOnly },
        { $unset: { roles: '' } },
      );
      done += result.modifiedCount;
      log(`user.roles: removed from ${done} users`);
    }
  },
};
