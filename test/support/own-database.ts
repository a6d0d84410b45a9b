import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locateFerretdb } from '../../src/database/embedded/embedded-database';
import { startFerretdb } from '../../src/database/embedded/ferretdb-process';
import { findFreePort } from '../../src/database/embedded/ports';
import type { RunningDatabase } from '../../src/database/embedded/types';

/** A FerretDB server of a test's own, which it may stop and start again on the same port and data. */
export interface OwnDatabase {
  /** `mongodb://127.0.0.1:<port>/<name>` */
  uri(name: string): string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  dispose(): Promise<void>;
}

export async function startOwnDatabase(prefix: string): Promise<OwnDatabase> {
  const binary = locateFerretdb({ dataDir: '' });
  if (!binary) throw new Error('needs a ferretdb binary (bash scripts/install-ferretdb.sh)');
  const dataDir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const port = await findFreePort();
  let server: RunningDatabase | undefined = await startFerretdb({ binary, dataDir, port });
  const stop = async () => {
    await server?.stop();
    server = undefined;
  };
  return {
    uri: (name) => `mongodb://127.0.0.1:${port}/${name}`,
    stop,
    start: async () => {
      server ??= await startFerretdb({ binary, dataDir, port });
    },
    dispose: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
