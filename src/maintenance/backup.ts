import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { BSON, type Db, type Document, type IndexDescriptionInfo } from 'mongodb';
import { createMissingIndexes } from '../migrations/create-missing-indexes';
import { MIGRATION_LOCK_COLLECTION } from './migration-lock';
import { RATE_LIMIT_COLLECTION } from '../rate-limits/mongo-counter-collection';

/** Counters and locks: rebuilt by the service as it runs, worthless in a restore. */
const DISCARDABLE_COLLECTIONS: readonly string[] = [
  RATE_LIMIT_COLLECTION,
  MIGRATION_LOCK_COLLECTION,
];

const MANIFEST = 'manifest.json';
const BATCH_SIZE = 1_000;

export interface CollectionSummary {
  readonly name: string;
  readonly count: number;
  /** sha256 of the documents in `_id` order, each as canonical Extended JSON. */
  readonly sha256: string;
}

interface Manifest {
  readonly format: 'ejson-lines-gzip/1';
  readonly database: string;
  readonly createdAt: string;
  readonly collections: (CollectionSummary & { readonly indexes: IndexDescriptionInfo[] })[];
}

export interface Progress {
  readonly log: (message: string) => void;
  readonly signal: AbortSignal;
}

/** The collections that matter: every one but the discardable and the server's own. */
async function collectionsToBackUp(db: Db): Promise<string[]> {
  const collections = await db.listCollections({}, { nameOnly: true }).toArray();
  return collections
    .map((collection) => collection.name)
    .filter((name) => !name.startsWith('system.') && !DISCARDABLE_COLLECTIONS.includes(name))
    .sort();
}

/** Says how far a long step is, at most once a second. */
function progressReporter(progress: Progress, label: string, total: number) {
  let last = Date.now();
  return (done: number) => {
    if (Date.now() - last < 1_000) return;
    last = Date.now();
    progress.log(`  ${label}: ${done} of ${total}`);
  };
}

/** Reads a collection in `_id` order, handing each document's line to `each`; returns the summary. */
async function readCollection(
  db: Db,
  name: string,
  progress: Progress,
  each?: (line: string) => Promise<void> | void,
): Promise<CollectionSummary> {
  const collection = db.collection(name);
  const report = progressReporter(progress, name, await collection.estimatedDocumentCount());
  const hash = createHash('sha256');
  let count = 0;
  const cursor = collection.find({}, { sort: { _id: 1 }, batchSize: BATCH_SIZE });
  try {
    for await (const document of cursor) {
      progress.signal.throwIfAborted();
      const line = BSON.EJSON.stringify(document, { relaxed: false });
      hash.update(line).update('\n');
      await each?.(line);
      count += 1;
      report(count);
    }
  } finally {
    await cursor.close();
  }
  return { name, count, sha256: hash.digest('hex') };
}

/** Counts and checksums of the collections that matter, read from the database. */
export async function summarize(db: Db, progress: Progress): Promise<CollectionSummary[]> {
  const summaries: CollectionSummary[] = [];
  for (const name of await collectionsToBackUp(db))
    summaries.push(await readCollection(db, name, progress));
  return summaries;
}

/**
 * Writes every collection that matters to `<dir>/<name>.ejson.gz` (one
 * canonical Extended JSON document a line, so types survive) with its indexes
 * and checksum in `manifest.json`. Written to a temporary folder renamed at
 * the end: an interrupted backup leaves no half-written one, and a second run
 * replaces the first.
 */
export async function backUp(db: Db, dir: string, progress: Progress): Promise<Manifest> {
  const partial = `${dir}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  try {
    const collections: Manifest['collections'] = [];
    for (const name of await collectionsToBackUp(db)) {
      const gzip = createGzip();
      const written = finished(gzip.pipe(createWriteStream(join(partial, `${name}.ejson.gz`))));
      const summary = await readCollection(db, name, progress, async (line) => {
        if (!gzip.write(`${line}\n`)) await once(gzip, 'drain');
      });
      gzip.end();
      await written;
      const indexes = await db.collection(name).listIndexes().toArray();
      collections.push({ ...summary, indexes: indexes as IndexDescriptionInfo[] });
      progress.log(`  ${name}: ${summary.count} documents`);
    }
    const manifest: Manifest = {
      format: 'ejson-lines-gzip/1',
      database: db.databaseName,
      createdAt: new Date().toISOString(),
      collections,
    };
    await writeFile(join(partial, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    await rm(dir, { recursive: true, force: true });
    await rename(partial, dir);
    return manifest;
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
}

async function readManifest(dir: string): Promise<Manifest> {
  const manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as Manifest;
  if (manifest.format !== 'ejson-lines-gzip/1')
    throw new Error(`${join(dir, MANIFEST)} is not a backup this version can read`);
  return manifest;
}

/**
 * Loads a backup into `db`: each collection emptied first when `replace` is
 * set (and refused when it holds documents otherwise), then its documents and
 * indexes. Returns what the database holds afterwards, counted and checksummed
 * again, for the caller to compare with the manifest.
 */
export async function restore(
  db: Db,
  dir: string,
  options: Progress & { readonly replace: boolean },
): Promise<{ expected: CollectionSummary[]; restored: CollectionSummary[] }> {
  const manifest = await readManifest(dir);
  if (!options.replace) {
    for (const { name } of manifest.collections) {
      const present = await db.collection(name).estimatedDocumentCount();
      if (present > 0)
        throw new Error(
          `${name} already holds ${present} documents: restore into an empty database, or pass --drop to replace its collections`,
        );
    }
  }
  for (const { name, count, indexes } of manifest.collections) {
    options.signal.throwIfAborted();
    const collection = db.collection(name);
    if (options.replace) await collection.deleteMany({});
    const report = progressReporter(options, name, count);
    let batch: Document[] = [];
    let done = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      await collection.insertMany(batch, { ordered: false });
      done += batch.length;
      batch = [];
      report(done);
    };
    const lines = createInterface({
      input: createReadStream(join(dir, `${name}.ejson.gz`)).pipe(createGunzip()),
      crlfDelay: Infinity,
    });
    for await (const line of lines) {
      options.signal.throwIfAborted();
      if (line) batch.push(BSON.EJSON.parse(line, { relaxed: false }) as Document);
      if (batch.length >= BATCH_SIZE) await flush();
    }
    await flush();
    const secondary = indexes.filter((index) => index.name !== '_id_');
    await createMissingIndexes(
      collection,
      secondary.map(({ v: _version, ns: _namespace, ...index }) => index as IndexDescriptionInfo),
    );
    options.log(`  ${name}: ${done} documents, ${secondary.length} indexes`);
  }
  const expected = manifest.collections.map(({ name, count, sha256 }) => ({ name, count, sha256 }));
  const restored: CollectionSummary[] = [];
  for (const { name } of expected) restored.push(await readCollection(db, name, options));
  return { expected, restored };
}

/** The comparison, one line per collection. */
export function comparisonTable(
  expected: readonly CollectionSummary[],
  restored: readonly CollectionSummary[],
): { lines: string[]; differences: number } {
  const width = Math.max(10, ...expected.map((collection) => collection.name.length));
  const lines = [
    `  ${'collection'.padEnd(width)}  ${'backup'.padStart(8)}  ${'restored'.padStart(8)}  sha256`,
  ];
  let differences = 0;
  for (const want of expected) {
    const got = restored.find((collection) => collection.name === want.name);
    const same = got?.count === want.count && got.sha256 === want.sha256;
    if (!same) differences += 1;
    lines.push(
      `  ${want.name.padEnd(width)}  ${String(want.count).padStart(8)}  ${String(got?.count ?? '-').padStart(8)}  ${want.sha256.slice(0, 12)} ${same ? 'same' : `DIFFERENT (${got?.sha256.slice(0, 12) ?? 'missing'})`}`,
    );
  }
  return { lines, differences };
}
