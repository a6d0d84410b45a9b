// First: refuses an old Node.js before anything that would crash on it is loaded.
import '../common/node-version';
import { resolve } from 'node:path';
import { parseCli } from '../common/cli';
import { backUp } from './backup';
import { databaseLabel, exitWith, withCliDatabase } from './cli-database';

const CLI = {
  usage:
    'npm run db:backup -- [--out DIR]\n       node dist/maintenance/backup.cli.js [--out DIR]   (a production install)',
  description:
    "Writes every collection that matters of the configured database (MONGODB_URI, or the\nembedded one) to DIR: one gzipped Extended JSON file per collection, and manifest.json with\neach one's count, checksum and indexes. rate_limits and migration_lock are left out\n(discardable). For MongoDB servers, mongodump and Atlas backups are the tools of record\n(docs/deployment.md, Backups); this works with any MongoDB-wire database.",
  options: {
    out: {
      type: 'string',
      value: 'DIR',
      description: 'where to write (default backups/<database>-<time>)',
    },
  },
} as const;

async function main(): Promise<number> {
  const flags = parseCli(CLI);
  return withCliDatabase(
    {
      stopping: 'Stopping: the partial backup is removed…',
      stopped: 'Stopped; no backup was written.',
    },
    async (db, signal) => {
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const dir = resolve(flags.out ?? `backups/${db.databaseName}-${stamp}`);
      console.log(`Backing up ${databaseLabel(db)} to ${dir}`);
      const started = Date.now();
      const manifest = await backUp(db, dir, {
        log: (message) => console.log(message),
        signal,
      });
      const total = manifest.collections.reduce((sum, collection) => sum + collection.count, 0);
      console.log(
        `Backed up ${manifest.collections.length} collections, ${total} documents, in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      return 0;
    },
  );
}

exitWith(main());
