// First: refuses an old Node.js before anything that would crash on it is loaded.
import '../common/node-version';
import { parseCli } from '../common/cli';
import { databaseLabel, exitWith, withCliDatabase } from './cli-database';
import { checkIndexes, type IndexReport } from './index-check';
import { Migrator } from './migrator';

const COMMANDS = ['up', 'down', 'status'] as const;
type Command = (typeof COMMANDS)[number];

const CLI = {
  usage:
    'npm run db:migrate -- up | down [--to NAME] | status [--check]\n       node dist/maintenance/migrate.cli.js up | down | status   (a production install)',
  description:
    "Applies, reverts or lists the migrations of src/migrations on the configured database\n(MONGODB_URI, or the embedded one), and compares the indexes the code declares with the\ndatabase's. Run it once per deploy, before the new version starts; a lock makes a second\nconcurrent run wait, then find nothing to do.\n\n  up      apply every pending migration, oldest first\n  down    revert the last applied migration (with --to NAME: back to and including NAME)\n  status  list each migration as applied or pending, and the index differences",
  options: {
    to: {
      type: 'string',
      value: 'NAME',
      description: 'down: revert back to and including this migration',
    },
    check: {
      type: 'boolean',
      description: 'status: exit 1 if a migration is pending or a declared index is missing',
    },
  },
} as const;

const log = (message: string) => console.log(message);

function printIndexReport(report: IndexReport): void {
  const { missing, unexpected, optionalMissing } = report;
  if (missing.length === 0 && unexpected.length === 0) {
    console.log('Indexes: every index the code declares is in the database, and no other.');
  }
  for (const { collection, index } of missing)
    console.log(`  missing   ${collection} ${index} (declared by the code, not in the database)`);
  for (const { collection, index } of unexpected)
    console.log(
      `  extra     ${collection} ${index} (in the database, declared nowhere in the code)`,
    );
  for (const { collection, index, note } of optionalMissing)
    console.log(`  absent    ${collection} ${index} (${note})`);
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  const flags = parseCli(CLI, command?.startsWith('-') ? [command, ...rest] : rest);
  if (!COMMANDS.includes(command as Command)) {
    console.error(`Say what to do: ${COMMANDS.join(', ')} (--help for more)`);
    return 2;
  }
  return withCliDatabase(
    {
      stopping: 'Stopping after the current step (Ctrl-C again to quit at once)…',
      stopped:
        'Stopped. The migration in progress was not recorded; `up` again finishes it (every migration is safe to re-run).',
    },
    async (db, signal) => {
      const migrator = new Migrator(db, { log, signal });
      switch (command as Command) {
        case 'status': {
          const statuses = await migrator.status();
          console.log(`Migrations of ${databaseLabel(db)}:`);
          for (const { name, applied } of statuses)
            console.log(`  ${applied ? 'applied' : 'pending'}  ${name}`);
          const pending = statuses.filter((status) => !status.applied).length;
          console.log(
            pending === 0
              ? 'Every migration is applied.'
              : `${pending} of ${statuses.length} pending: apply them with \`npm run db:migrate -- up\`.`,
          );
          const report = await checkIndexes(db);
          printIndexReport(report);
          return flags.check && (pending > 0 || report.missing.length > 0) ? 1 : 0;
        }
        case 'up': {
          const applied = await migrator.up();
          console.log(
            applied.length === 0
              ? 'Nothing to do: every migration is applied.'
              : `Applied ${applied.length} migration(s) to ${databaseLabel(db)}.`,
          );
          return 0;
        }
        case 'down': {
          const reverted = await migrator.down(flags.to);
          console.log(
            reverted.length === 0 ? 'Nothing to revert.' : `Reverted ${reverted.join(', ')}.`,
          );
          return 0;
        }
      }
    },
  );
}

exitWith(main());
