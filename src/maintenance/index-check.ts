import type { Db } from 'mongodb';
import type { Schema } from 'mongoose';
import { CredentialSchema } from '../auth/credentials/credential.schema';
import { REVOCATION_COLLECTION, RevocationSchema } from '../auth/sessions/revocation.schema';
import { SESSION_COLLECTION, SessionSchema } from '../auth/sessions/session.schema';
import { ItemSchema } from '../items/item.model';
import { OrderSchema } from '../orders/order.model';
import { RATE_LIMIT_COLLECTION, RATE_LIMIT_INDEXES } from '../rate-limits/mongo-counter-collection';
import { UserSchema } from '../users/user.model';

type IndexKey = Record<string, number | string>;

interface DeclaredIndex {
  readonly key: IndexKey;
  readonly unique: boolean;
  /** Built where the database can (TTL indexes: not on FerretDB, where the service sweeps instead). */
  readonly optional?: boolean;
}

interface IndexDifference {
  readonly collection: string;
  /** e.g. `{ username: 1 } unique` */
  readonly index: string;
  readonly note?: string;
}

export interface IndexReport {
  /** Declared by the code, absent from the database: a migration is missing or not applied. */
  readonly missing: IndexDifference[];
  /** In the database, declared nowhere in the code: a migration should drop it (or the code declare it). */
  readonly unexpected: IndexDifference[];
  /** Declared, absent, and not required on this database. */
  readonly optionalMissing: IndexDifference[];
}

const SCHEMAS: Readonly<Record<string, Schema>> = {
  user: UserSchema,
  item: ItemSchema,
  user_order: OrderSchema,
  credential: CredentialSchema,
  [SESSION_COLLECTION]: SessionSchema,
  [REVOCATION_COLLECTION]: RevocationSchema,
};

/** Every index the code declares, per collection: the Mongoose schemas' and the rate-limit counters'. */
function declaredIndexes(): Record<string, DeclaredIndex[]> {
  const declared: Record<string, DeclaredIndex[]> = {};
  for (const [collection, schema] of Object.entries(SCHEMAS)) {
    declared[collection] = schema
      .indexes()
      .map(([key, options]) => ({ key: key as IndexKey, unique: options?.unique === true }));
  }
  declared[RATE_LIMIT_COLLECTION] = [
    { key: RATE_LIMIT_INDEXES.key.key, unique: true },
    { key: RATE_LIMIT_INDEXES.expiry.key, unique: false, optional: true },
  ];
  return declared;
}

const describe = (key: IndexKey, unique: boolean) =>
  `${JSON.stringify(key).replace(/"/g, '').replace(/:/g, ': ').replace(/,/g, ', ')}${unique ? ' unique' : ''}`;
const identity = (key: IndexKey, unique: boolean) => `${JSON.stringify(key)}${unique ? '!' : ''}`;

/** Compares the declared indexes with the database's (by keys and uniqueness), both ways. */
export async function checkIndexes(db: Db): Promise<IndexReport> {
  const report: IndexReport = { missing: [], unexpected: [], optionalMissing: [] };
  const declared = declaredIndexes();
  const existingCollections = new Set(
    (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name),
  );
  for (const [collection, indexes] of Object.entries(declared)) {
    const present = existingCollections.has(collection)
      ? await db.collection(collection).listIndexes().toArray()
      : [];
    const presentIds = new Set(
      present.map((index) => identity(index.key as IndexKey, index.unique === true)),
    );
    for (const index of indexes) {
      if (presentIds.has(identity(index.key, index.unique))) continue;
      const difference = { collection, index: describe(index.key, index.unique) };
      if (index.optional)
        report.optionalMissing.push({
          ...difference,
          note: 'a TTL index; expired counters are swept without it',
        });
      else report.missing.push(difference);
    }
    const declaredIds = new Set(indexes.map((index) => identity(index.key, index.unique)));
    for (const index of present) {
      if (index.name === '_id_') continue;
      const unique = index.unique === true;
      if (!declaredIds.has(identity(index.key as IndexKey, unique)))
        report.unexpected.push({ collection, index: describe(index.key as IndexKey, unique) });
    }
  }
  return report;
}
