import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MongoClient } from 'mongodb';
import { comparisonTable, summarize, type CollectionSummary } from '../src/maintenance/backup';
import { runBuiltScript } from './support/service-process';
import { buildDistBeforeAll } from './support/dist-build';
import { testDatabaseUri, uniqueDatabaseName } from './support/test-app';

const quiet = { log: () => undefined, signal: new AbortController().signal };
const run = async (script: string, uri: string, args: string[]) => {
  const { code, stdout, stderr } = await runBuiltScript(script, args, {
    env: { NODE_ENV: 'production', MONGODB_URI: uri },
  });
  return { code, output: stdout + stderr };
};

// Starts the built service or its CLIs (dist/): compiled once per run, before the first test.
buildDistBeforeAll();

describe('backup and restore (npm run db:backup / db:restore), a real round trip', () => {
  let client: MongoClient;
  const work = mkdtempSync(join(tmpdir(), 'backup-test-'));
  const source = uniqueDatabaseName();
  const target = uniqueDatabaseName();

  beforeAll(async () => {
    client = await MongoClient.connect(testDatabaseUri('admin'));
  });
  afterAll(async () => {
    for (const name of [source, target])
      await client
        .db(name)
        .dropDatabase()
        .catch(() => undefined);
    await client.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('the sample plus bulk data come back with the same count and checksum in every collection, twice', async () => {
    const sourceUri = testDatabaseUri(source);
    const seeded = await runBuiltScript('seed/seed.cli.js', ['--users', '300', '--orders', '900'], {
      env: { NODE_ENV: 'development', MONGODB_URI: sourceUri, LOG_LEVEL: 'warn' },
    });
    expect(seeded.code).toBe(0);
    // A discardable collection, left out of the backup.
    await client.db(source).collection('rate_limits').insertOne({ key: 'login:x', points: 1 });
    const original = await summarize(client.db(source), quiet);
    expect(original.map((collection) => collection.name)).toEqual([
      'credential',
      'item',
      // Empty, with their indexes: a development start builds every declared index.
      'session',
      'session_revocation',
      'user',
      'user_order',
    ]);
    expect(
      original.find((collection) => collection.name === 'user_order')?.count,
    ).toBeGreaterThanOrEqual(900);

    const dir = join(work, 'backup');
    for (let round = 1; round <= 2; round += 1) {
      const backup = await run('maintenance/backup.cli.js', sourceUri, ['--out', dir]);
      expect(backup.code).toBe(0);
      expect(backup.output).toMatch(/Backed up 6 collections, \d+ documents/);
    }
    expect(readdirSync(work)).toEqual(['backup']);

    const targetUri = testDatabaseUri(target);
    let restored: CollectionSummary[] = [];
    for (const args of [
      ['--from', dir],
      ['--from', dir, '--drop'],
    ]) {
      const restore = await run('maintenance/restore.cli.js', targetUri, args);
      expect(restore.code).toBe(0);
      expect(restore.output).toContain('every count and checksum matches');
      // Counted and checksummed again here, independently of the tool's own check.
      restored = await summarize(client.db(target), quiet);
      expect(restored).toEqual(original);
    }
    const { lines, differences } = comparisonTable(original, restored);
    console.log(`Backup round trip, source database against restored:\n${lines.join('\n')}`);
    expect(differences).toBe(0);
    expect(await client.db(target).collection('rate_limits').countDocuments()).toBe(0);
    const indexes = await client.db(target).collection('user').listIndexes().toArray();
    expect(indexes.map((index) => index.name)).toContain('username_1');

    // Without --drop, a restore refuses to mix a backup into data.
    const refused = await run('maintenance/restore.cli.js', targetUri, ['--from', dir]);
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/already holds \d+ documents: .*--drop/);
  }, 180_000);

  it('Ctrl-C stops a backup cleanly: exit 130 and no half-written backup left', async () => {
    const dir = join(work, 'interrupted');
    const child = spawn(
      process.execPath,
      [resolve(__dirname, '..', 'dist', 'maintenance', 'backup.cli.js'), '--out', dir],
      {
        env: {
          PATH: process.env.PATH ?? '',
          NODE_ENV: 'production',
          MONGODB_URI: testDatabaseUri(source),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const closed = new Promise<number | null>((resolvePromise) =>
      child.once('close', resolvePromise),
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // Interrupted as soon as it says it has begun (no more polling if it ends before that).
    await new Promise<void>((resolvePromise) => {
      const timer = setInterval(() => {
        if (output.includes('Backing up')) {
          clearInterval(timer);
          child.kill('SIGINT');
          resolvePromise();
        }
      }, 5);
      void closed.then(() => {
        clearInterval(timer);
        resolvePromise();
      });
    });
    const code = await closed;
    expect(code).toBe(130);
    expect(output).toContain('Stopped; no backup was written.');
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(work).filter((name) => name.startsWith('interrupted'))).toEqual([]);
  }, 60_000);
});
