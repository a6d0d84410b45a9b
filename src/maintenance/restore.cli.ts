// First: refuses an old Node.js before anything that would crash on it is loaded.
import '../common/node-version';
import { resolve } from 'node:path';
import { parseCli } from '../common/cli';
import { comparisonTable, restore } from './backup';
import { databaseLabel, exitWith, withCliDatabase } from './cli-database';

const CLI = {
  usage:
    'npm run db:restore -- --from DIR [--drop]\n       node dist/maintenance/restore.cli.js --from DIR [--drop]   (a production install)',
  description:
    "Loads a backup written by `npm run db:backup` into the configured database (MONGODB_URI, or\nthe embedded one), with its indexes, then reads every collection back and compares its\ncount and checksum with the backup's; exits 1 on any difference.",
  options: {
    from: {
      type: 'string',
      value: 'DIR',
      description: 'the backup folder (holding manifest.json)',
    },
    drop: {
      type: 'boolean',
      description: 'empty each collection of the backup first (otherwise they must be empty)',
    },
  },
} as const;

async function main(): Promise<number> {
  const flags = parseCli(CLI);
  if (!flags.from) {
    console.error('Say which backup: --from DIR (--help for more)');
    return 2;
  }
  const dir = resolve(flags.from);
  return withCliDatabase(
    {
      stopping: 'Stopping after this batch: run the restore again with --drop to finish it…',
      stopped: 'Stopped; the database holds part of the backup. Run the restore again with --drop.',
    },
    async (db, signal) => {
      console.log(`Restoring ${dir} into ${databaseLabel(db)}`);
      const { expected, restored } = await restore(db, dir, {
        replace: flags.drop === true,
        log: (message) => console.log(message),
        signal,
      });
      const { lines, differences } = comparisonTable(expected, restored);
      console.log('Compared with the backup:');
      for (const line of lines) console.log(line);
      if (differences > 0) {
        console.error(`${differences} collection(s) differ from the backup`);
        return 1;
      }
      console.log(`Restored ${expected.length} collections; every count and checksum matches.`);
      return 0;
    },
  );
}

exitWith(main());
