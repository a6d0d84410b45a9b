import { randomUUID } from 'node:crypto';
import { startEmbeddedDatabase } from '../../src/database/embedded/embedded-database';
import type { RunningDatabase } from '../../src/database/embedded/types';

declare global {
  var __TEST_DATABASE__: RunningDatabase | undefined;
}

/**
 * One database server for the whole run (each test file gets its own database
 * on it): `TEST_MONGODB_URI` or `MONGODB_URI` when set, else a throwaway
 * embedded server. `dist/` is built only when a file starts the service as
 * a process (test/support/dist-build.ts), once for the run this id names.
 */
export default async function globalSetup(): Promise<void> {
  process.env.TEST_RUN_ID = randomUUID();
  const given = process.env.TEST_MONGODB_URI ?? process.env.MONGODB_URI;
  if (given) {
    process.env.TEST_MONGODB_SERVER_URI = given.replace(/\/[^/?]*(\?.*)?$/, '/');
    return;
  }
  const server = await startEmbeddedDatabase({ dataDir: '', throwaway: true });
  globalThis.__TEST_DATABASE__ = server;
  process.env.TEST_MONGODB_SERVER_URI = server.uri;
}
