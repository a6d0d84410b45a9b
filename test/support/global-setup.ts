import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { startEmbeddedDatabase } from '../../src/database/embedded/embedded-database';
import type { RunningDatabase } from '../../src/database/embedded/types';

declare global {
  var __TEST_DATABASE__: RunningDatabase | undefined;
}

/**
 * One database server for the whole run (each test file gets its own database
 * on it): `TEST_MONGODB_URI` or `MONGODB_URI` when set, else a throwaway
 * embedded server. Also builds `dist/`, which the process-level tests start.
 */
export default async function globalSetup(): Promise<void> {
  const root = resolve(__dirname, '..', '..');
  execFileSync(
    process.execPath,
    [resolve(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  const given = process.env.TEST_MONGODB_URI ?? process.env.MONGODB_URI;
  if (given) {
    process.env.TEST_MONGODB_SERVER_URI = given.replace(/\/[^/?]*(\?.*)?$/, '/');
    return;
  }
  const server = await startEmbeddedDatabase({ dataDir: '', throwaway: true });
  globalThis.__TEST_DATABASE__ = server;
  process.env.TEST_MONGODB_SERVER_URI = server.uri;
}
