import { SampleDataSeeder } from '../../src/seed/sample-data.seeder';
import type { TestApp } from './test-app';

export interface ResetOptions {
  /** Load the sample data (test/support/fixtures.ts) after emptying; default true. */
  readonly seed?: boolean;
}

/** Loads data/sample-data.yaml into the app's database (idempotent). */
export async function seedSampleData(app: Pick<TestApp, 'app'>): Promise<void> {
  await app.app.get(SampleDataSeeder).seed();
}

/**
 * Empties every collection of the app's database (indexes stay, so unique
 * rules keep working) and loads the sample data again: the state a test starts
 * from, whatever the tests before it wrote. Rate-limit counters kept in the
 * database go too.
 */
export async function resetDatabase(
  app: Pick<TestApp, 'app' | 'connection'>,
  options: ResetOptions = {},
): Promise<void> {
  const db = app.connection.db;
  if (!db) throw new Error('resetDatabase: the app is not connected to its database');
  const collections = await db.listCollections({}, { nameOnly: true }).toArray();
  await Promise.all(
    collections
      .filter(({ name }) => !name.startsWith('system.'))
      .map(({ name }) => db.collection(name).deleteMany({})),
  );
  if (options.seed ?? true) await seedSampleData(app);
}

/**
 * Per-test isolation: before each test of the enclosing `describe`, the app's
 * database is emptied and reseeded. `app` is a function because the app is
 * started in a `beforeAll` that runs after this line.
 */
export function isolateEachTest(
  app: () => Pick<TestApp, 'app' | 'connection'>,
  options: ResetOptions = {},
): void {
  beforeEach(() => resetDatabase(app(), options));
}
