import type { Db } from 'mongodb';

/** What a migration works with: the database, a progress line, and a way to be stopped. */
export interface MigrationContext {
  readonly db: Db;
  /** One line of progress for the operator (batches done, indexes built). */
  readonly log: (message: string) => void;
  /** Aborted on Ctrl-C or SIGTERM: a long migration checks it between batches and stops. */
  readonly signal: AbortSignal;
}

/**
 * One change of the database's structure or data, applied once per database by
 * `npm run db:migrate -- up` and recorded in the `migrations` collection.
 * `up` and `down` must each be safe to run again after being cut short.
 */
export interface Migration {
  /** Also its file name; the order in `MIGRATIONS` is the order they run in. */
  readonly name: string;
  up(context: MigrationContext): Promise<void>;
  down(context: MigrationContext): Promise<void>;
}
