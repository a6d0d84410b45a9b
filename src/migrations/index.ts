import { initialIndexes } from './2026-12-03-01-initial-indexes';
import { userRolesBackfill } from './2026-12-03-02-user-roles-backfill';
import { sessionIndexes } from './2026-12-03-03-session-indexes';
import type { Migration } from './migration';

export type { Migration, MigrationContext } from './migration';

/** Every migration, oldest first: a new one is a file in this folder and a line at the end here. */
export const MIGRATIONS: readonly Migration[] = [initialIndexes, userRolesBackfill, sessionIndexes];
