import { MongoClient, type Db } from 'mongodb';
import { MIGRATIONS } from '../src/migrations';
import { makeTestKeys, signupJson, loginJson } from './support/auth-helpers';
import { runBuiltScript } from './support/service-process';
import { buildDistBeforeAll } from './support/dist-build';
import { startTestApp, testDatabaseUri, uniqueDatabaseName } from './support/test-app';

const [INDEXES, BACKFILL, SESSION_INDEXES] = MIGRATIONS.map((migration) => migration.name);

/** `node dist/maintenance/migrate.cli.js …`, as a production install runs it. */
async function migrate(uri: string, ...args: string[]) {
  const { code, stdout, stderr } = await runBuiltScript('maintenance/migrate.cli.js', args, {
    env: { NODE_ENV: 'production', MONGODB_URI: uri },
  });
  return { code, output: stdout + stderr };
}

/** Every collection's index names, sorted: what a start may or may not change. */
async function indexSnapshot(db: Db): Promise<Record<string, string[]>> {
  const snapshot: Record<string, string[]> = {};
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    const indexes = await db.collection(name).listIndexes().toArray();
    snapshot[name] = indexes.map((index) => String(index.name)).sort();
  }
  return snapshot;
}

// Starts the built service or its CLIs (dist/): compiled once per run, before the first test.
buildDistBeforeAll();

describe('migrations (npm run db:migrate)', () => {
  let client: MongoClient;
  const databases: Db[] = [];
  const freshDatabase = () => {
    const name = uniqueDatabaseName();
    const db = client.db(name);
    databases.push(db);
    return { db, uri: testDatabaseUri(name) };
  };

  beforeAll(async () => {
    client = await MongoClient.connect(testDatabaseUri('admin'));
  });
  afterAll(async () => {
    for (const db of databases) await db.dropDatabase().catch(() => undefined);
    await client.close();
  });

  it('on an empty database: status lists every one pending, up applies them, a second up does nothing, down reverts the last', async () => {
    const { db, uri } = freshDatabase();

    const before = await migrate(uri, 'status');
    expect(before.code).toBe(0);
    for (const name of MIGRATIONS.map((migration) => migration.name))
      expect(before.output).toContain(`pending  ${name}`);
    expect(before.output).toContain(`${MIGRATIONS.length} of ${MIGRATIONS.length} pending`);
    expect(before.output).toMatch(/missing {3}user \{username: 1\} unique/);
    expect((await migrate(uri, 'status', '--check')).code).toBe(1);

    const up = await migrate(uri, 'up');
    expect(up.code).toBe(0);
    expect(up.output).toContain(`Applied ${INDEXES}`);
    expect(up.output).toContain(`Applied ${BACKFILL}`);
    const applied = await db.collection('migrations').find().toArray();
    expect(applied.map((record) => record.migrationName)).toEqual([
      INDEXES,
      BACKFILL,
      SESSION_INDEXES,
    ]);
    const indexes = await indexSnapshot(db);
    expect(indexes.session).toEqual(['_id_', 'expires_at_1', 'user_id_1_expires_at_1']);
    expect(indexes.session_revocation).toEqual(['_id_', 'at_1', 'expires_at_1']);

    const again = await migrate(uri, 'up');
    expect(again.code).toBe(0);
    expect(again.output).toContain('Nothing to do: every migration is applied.');
    expect(again.output).not.toContain('Applying');
    expect(await indexSnapshot(db)).toEqual(indexes);

    const status = await migrate(uri, 'status', '--check');
    expect(status.code).toBe(0);
    expect(status.output).toContain('Every migration is applied.');
    expect(status.output).toContain(
      'every index the code declares is in the database, and no other',
    );

    const down = await migrate(uri, 'down');
    expect(down.code).toBe(0);
    expect(down.output).toContain(`Reverted ${SESSION_INDEXES}.`);
    expect((await migrate(uri, 'status')).output).toContain(`pending  ${SESSION_INDEXES}`);
    expect((await indexSnapshot(db)).session).toEqual(['_id_']);
    expect(await db.collection('migration_lock').countDocuments()).toBe(0);
  }, 60_000);

  it('from the schema before migrations (the demo data, no indexes, users without roles), twice in a row; down of the backfill puts it back', async () => {
    const { db, uri } = freshDatabase();
    const users = db.collection<{ _id: string; username: string; roles?: string[] }>('user');
    const old = Array.from({ length: 620 }, (_, i) => ({
      _id: `old${String(i).padStart(9, '0')}`,
      username: `old.user.${i}`,
      primary_email: `old.user.${i}@example.com`,
      primary_locale: 'en',
    }));
    await users.insertMany(old);
    await users.insertOne({
      _id: 'admin0000001',
      username: 'admin.kept',
      primary_email: 'admin.kept@example.com',
      roles: ['user', 'admin'],
    } as never);
    await db
      .collection('user_order')
      .insertOne({ _id: 'order0000001', user_id: 'old000000001' } as never);

    const first = await migrate(uri, 'up');
    expect(first.code).toBe(0);
    // In batches: the progress lines count up to every old user.
    expect(first.output).toContain("user.roles: 500 users given ['user']");
    expect(first.output).toContain("user.roles: 620 users given ['user']");
    expect(await users.countDocuments({ roles: { $exists: false } })).toBe(0);
    expect(await users.countDocuments({ roles: ['user'] })).toBe(620);
    expect((await users.findOne({ _id: 'admin0000001' }))?.roles).toEqual(['user', 'admin']);
    const status = await migrate(uri, 'status', '--check');
    expect(status.code).toBe(0);
    expect(status.output).toContain(
      'every index the code declares is in the database, and no other',
    );

    const second = await migrate(uri, 'up');
    expect(second.output).toContain('Nothing to do');
    expect(await users.countDocuments({ roles: ['user'] })).toBe(620);

    const down = await migrate(uri, 'down', '--to', BACKFILL);
    expect(down.code).toBe(0);
    expect(down.output).toContain(`Reverted ${SESSION_INDEXES}, ${BACKFILL}.`);
    expect(await users.countDocuments({ roles: { $exists: false } })).toBe(620);
    expect((await users.findOne({ _id: 'admin0000001' }))?.roles).toEqual(['user', 'admin']);

    // Re-applied after the down: the same result again.
    expect((await migrate(uri, 'up')).output).toContain(`Applied ${BACKFILL}`);
    expect(await users.countDocuments({ roles: { $exists: false } })).toBe(0);
  }, 120_000);

  it('two processes migrating at once: one applies each migration, the other waits for the lock and finds nothing to do', async () => {
    const { db, uri } = freshDatabase();
    const [a, b] = await Promise.all([migrate(uri, 'up'), migrate(uri, 'up')]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const records = await db.collection('migrations').find().toArray();
    expect(records.map((record) => record.migrationName).sort()).toEqual([
      INDEXES,
      BACKFILL,
      SESSION_INDEXES,
    ]);
    const outputs = a.output + b.output;
    expect(outputs.split(`Applied ${INDEXES}\n`).length - 1).toBe(1);
    expect(outputs.split(`Applied ${BACKFILL}\n`).length - 1).toBe(1);
    expect(outputs).toContain('Nothing to do');
    expect(await db.collection('migration_lock').countDocuments()).toBe(0);
  }, 60_000);

  it('a production start creates no index (migrations own them); a development start builds the missing ones', async () => {
    const { db, uri } = freshDatabase();
    expect((await migrate(uri, 'up')).code).toBe(0);
    // One index gone, as after a migration not yet applied: production must not build it.
    await db.collection('user').dropIndex('full_name_1__id_1');
    const before = await indexSnapshot(db);
    expect(before.user).not.toContain('full_name_1__id_1');

    const keys = await makeTestKeys();
    const production = await startTestApp({
      mongodbUri: uri,
      env: {
        ...keys.env,
        NODE_ENV: 'production',
        COOKIE_SECURE: 'true',
        CORS_ORIGINS: 'https://app.example.com',
      },
    });
    try {
      // Writes to user, credential and the rate-limit counters.
      const signup = await signupJson(production, {
        username: 'prod.index',
        password: 'a-long-enough-password',
        primary_email: 'prod.index@example.com',
      });
      expect(signup.status).toBe(201);
      expect((await loginJson(production, 'prod.index', 'wrong-password')).status).toBe(401);
    } finally {
      await production.close();
    }
    const after = await indexSnapshot(db);
    // A collection the start wrote to for the first time has only `_id_`.
    for (const [name, indexes] of Object.entries(after))
      if (!(name in before)) expect(indexes).toEqual(['_id_']);
    expect(Object.fromEntries(Object.entries(after).filter(([name]) => name in before))).toEqual(
      before,
    );

    const development = await startTestApp({ mongodbUri: uri, env: keys.env });
    await development.close();
    expect((await indexSnapshot(db)).user).toContain('full_name_1__id_1');
  }, 60_000);

  it('a production start on an empty database creates no index either', async () => {
    const { db, uri } = freshDatabase();
    const keys = await makeTestKeys();
    const production = await startTestApp({
      mongodbUri: uri,
      env: {
        ...keys.env,
        NODE_ENV: 'production',
        COOKIE_SECURE: 'true',
        CORS_ORIGINS: 'https://app.example.com',
      },
    });
    try {
      const signup = await signupJson(production, {
        username: 'prod.empty',
        password: 'a-long-enough-password',
        primary_email: 'prod.empty@example.com',
      });
      expect(signup.status).toBe(201);
    } finally {
      await production.close();
    }
    const after = await indexSnapshot(db);
    expect(Object.keys(after)).toEqual(expect.arrayContaining(['user', 'credential']));
    for (const names of Object.values(after)) expect(names).toEqual(['_id_']);
  });
});
