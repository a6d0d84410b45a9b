import type { Db } from 'mongodb';
import { MongoDBStorage, Umzug } from 'umzug';
import { MIGRATIONS, type MigrationContext } from '../migrations';
import { MigrationLock } from './migration-lock';

/** Where umzug records each applied migration (one document per name). */
const MIGRATIONS_COLLECTION = 'migrations';

export interface MigrationStatus {
  readonly name: string;
  readonly applied: boolean;
}

/**
 * `npm run db:migrate`'s engine: umzug, its MongoDB storage, our migrations in
 * order, and a lock around every change so two processes never migrate at once.
 */
export class Migrator {
  private readonly umzug: Umzug<MigrationContext>;

  constructor(
    private readonly db: Db,
    private readonly options: Pick<MigrationContext, 'log' | 'signal'>,
  ) {
    const context: MigrationContext = { db, log: options.log, signal: options.signal };
    this.umzug = new Umzug<MigrationContext>({
      migrations: MIGRATIONS.map((migration) => ({
        name: migration.name,
        up: () => migration.up(context),
        down: () => migration.down(context),
      })),
      context,
      storage: new MongoDBStorage({ collection: db.collection(MIGRATIONS_COLLECTION) }),
      logger: undefined,
    });
    this.umzug.on('migrating', ({ name }) => options.log(`Applying ${name}`));
    this.umzug.on('migrated', ({ name }) => options.log(`Applied ${name}`));
    this.umzug.on('reverting', ({ name }) => options.log(`Reverting ${name}`));
    this.umzug.on('reverted', ({ name }) => options.log(`Reverted ${name}`));
  }

  async status(): Promise<MigrationStatus[]> {
    const applied = new Set((await this.umzug.executed()).map((migration) => migration.name));
    return MIGRATIONS.map(({ name }) => ({
      name,
      applied: applied.has(name),
    }));
  }

  /** Applies every pending migration, oldest first; returns their names (none: nothing to do). */
  async up(): Promise<string[]> {
    return this.locked(async () => (await this.umzug.up()).map((migration) => migration.name));
  }

  /** Reverts the last applied migration (or down to and including `to`). */
  async down(to?: string): Promise<string[]> {
    return this.locked(async () =>
      (await this.umzug.down(to ? { to } : undefined)).map((migration) => migration.name),
    );
  }

  private locked<T>(work: () => Promise<T>): Promise<T> {
    return new MigrationLock(this.db, this.options).hold(work);
  }
}
