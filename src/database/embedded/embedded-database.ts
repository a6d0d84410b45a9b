import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { startFerretdb } from './ferretdb-process';
import type { RunningDatabase } from './types';

export interface EmbeddedDatabaseOptions {
  /** Persistent data lives below this folder (`<dataDir>/ferretdb`, `<dataDir>/mongod`). */
  readonly dataDir: string;
  /** Use a temporary data folder, deleted on stop (tests). */
  readonly throwaway?: boolean;
  readonly mongodBin?: string;
  readonly ferretdbBin?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Progress and decisions, for the person starting the process. */
  readonly log?: (message: string) => void;
}

/** One way to get a database; `locate` says whether it applies here, without side effects. */
export interface DatabaseStrategy {
  readonly name: string;
  locate(options: EmbeddedDatabaseOptions): string | undefined | Promise<string | undefined>;
  start(
    located: string,
    dataDir: string,
    options: EmbeddedDatabaseOptions,
  ): Promise<RunningDatabase>;
}

export const NO_DATABASE_MESSAGE = [
  'No MongoDB-wire database is available. Do one of:',
  '  - set MONGODB_URI to a running MongoDB (or FerretDB) server;',
  '  - put a `mongod` binary on PATH or point MONGOMS_SYSTEM_BINARY at it;',
  '  - install FerretDB: bash scripts/install-ferretdb.sh (needs Go), or set FERRETDB_BIN;',
  '  - allow internet access so mongodb-memory-server can download MongoDB.',
].join('\n');

/** `configured` when set (if it is executable), else the first executable `name` in `dirs`. */
function findBinary(
  name: string,
  configured: string | undefined,
  dirs: readonly string[],
): string | undefined {
  if (configured) return isExecutable(configured) ? resolve(configured) : undefined;
  return dirs
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .find(isExecutable);
}

const pathFolders = (env: NodeJS.ProcessEnv) => (env.PATH ?? '').split(delimiter);

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function goBinFolders(env: NodeJS.ProcessEnv): string[] {
  const gopaths = (env.GOPATH ?? '').split(delimiter).filter(Boolean);
  return [
    env.GOBIN ?? '',
    ...gopaths.map((gopath) => join(gopath, 'bin')),
    join(homedir(), 'go', 'bin'),
  ];
}

export function locateFerretdb(options: EmbeddedDatabaseOptions): string | undefined {
  const env = options.env ?? process.env;
  return findBinary('ferretdb', options.ferretdbBin, [...pathFolders(env), ...goBinFolders(env)]);
}

async function startWithMemoryServer(
  dataDir: string,
  systemBinary: string | undefined,
): Promise<RunningDatabase> {
  const { MongoMemoryServer } = await import('mongodb-memory-server-core');
  const dbPath = join(dataDir, 'mongod');
  // mongodb-memory-server does not create its data folder.
  mkdirSync(dbPath, { recursive: true });
  const server = await MongoMemoryServer.create({
    binary: systemBinary ? { systemBinary } : undefined,
    instance: { dbPath, ip: '127.0.0.1', storageEngine: 'wiredTiger' },
  });
  const uri = server.getUri().replace(/\/[^/]*$/, '/');
  return {
    kind: systemBinary ? 'mongod' : 'mongodb-memory-server-download',
    uri,
    pid: server.instanceInfo?.instance.mongodProcess?.pid,
    stop: async () => {
      await server.stop({ doCleanup: false, force: false });
    },
  };
}

const ferretdbStrategy: DatabaseStrategy = {
  name: 'ferretdb',
  locate: locateFerretdb,
  start: (binary, dataDir) => startFerretdb({ binary, dataDir: join(dataDir, 'ferretdb') }),
};

export const DEFAULT_STRATEGIES: readonly DatabaseStrategy[] = [
  {
    name: 'mongod',
    locate: (options) =>
      findBinary('mongod', options.mongodBin, pathFolders(options.env ?? process.env)),
    start: (binary, dataDir) => startWithMemoryServer(dataDir, binary),
  },
  ferretdbStrategy,
  {
    name: 'mongodb-memory-server download',
    locate: async (options) => {
      const host = downloadHost(options.env ?? process.env);
      if (await downloadReachable(host, options.env ?? process.env)) return 'download';
      // The expected case on a closed network: one line, not the library's stack trace.
      options.log?.(
        `Embedded database: no MongoDB download reachable (${host} does not resolve) and none cached; skipping it`,
      );
      return undefined;
    },
    start: (_located, dataDir) => startWithMemoryServer(dataDir, undefined),
  },
  {
    name: 'FerretDB built from source',
    locate: (options) => findBinary('go', undefined, pathFolders(options.env ?? process.env)),
    start: async (_go, dataDir, options) => {
      options.log?.(
        'Embedded database: building FerretDB once with scripts/install-ferretdb.sh (1 to 4 minutes, about 1 GB of Go caches; progress below)',
      );
      await runInstallScript(options.env ?? process.env);
      const binary = locateFerretdb(options);
      if (!binary)
        throw new Error('FerretDB was built but its binary was not found in Go’s bin folder');
      return ferretdbStrategy.start(binary, dataDir, options);
    },
  },
];

/** Where mongodb-memory-server downloads from: its default, or its own MONGOMS_DOWNLOAD_MIRROR. */
function downloadHost(env: NodeJS.ProcessEnv): string {
  return URL.parse(env.MONGOMS_DOWNLOAD_MIRROR ?? '')?.hostname || 'fastdl.mongodb.org';
}

/** Whether mongodb-memory-server could get a binary: one cached already, or its download host resolves. */
async function downloadReachable(host: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const caches = [
    join(env.HOME ?? homedir(), '.cache', 'mongodb-binaries'),
    resolve(__dirname, '..', '..', '..', 'node_modules', '.cache', 'mongodb-memory-server'),
  ];
  if (caches.some((dir) => existsSync(dir) && readdirSync(dir).length > 0)) return true;
  const { lookup } = await import('node:dns/promises');
  const timeout = new Promise<false>((done) => setTimeout(() => done(false), 3_000).unref());
  return Promise.race([
    lookup(host).then(
      () => true,
      () => false,
    ),
    timeout,
  ]);
}

async function runInstallScript(env: NodeJS.ProcessEnv): Promise<void> {
  const script = resolve(__dirname, '..', '..', '..', 'scripts', 'install-ferretdb.sh');
  // Progress goes straight to the terminal, as the person waiting wants to see it.
  const child = spawn('bash', [script], { stdio: ['ignore', 'inherit', 'inherit'], env });
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`scripts/install-ferretdb.sh exited with code ${code}`);
}

/**
 * Starts a local MongoDB-wire server for this process's lifetime, trying the
 * strategies in the order of docs/operations.md, and fails with one message
 * naming every way to get a database when none works.
 */
export async function startEmbeddedDatabase(
  options: EmbeddedDatabaseOptions,
  strategies: readonly DatabaseStrategy[] = DEFAULT_STRATEGIES,
): Promise<RunningDatabase> {
  const dataDir = options.throwaway
    ? mkdtempSync(join(tmpdir(), 'user-order-db-'))
    : resolve(options.dataDir);
  const failures: string[] = [];
  for (const strategy of strategies) {
    const located = await strategy.locate(options);
    if (!located) continue;
    try {
      const running = await strategy.start(located, dataDir, options);
      options.log?.(`Embedded database: ${strategy.name} at ${running.uri} (data in ${dataDir})`);
      if (!options.throwaway) return running;
      const stop = async () => {
        await running.stop();
        rmSync(dataDir, { recursive: true, force: true });
      };
      return { ...running, stop };
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      failures.push(`${strategy.name}: ${reason}`);
      options.log?.(`Embedded database: ${strategy.name} failed (${reason}); trying the next way`);
    }
  }
  if (options.throwaway) rmSync(dataDir, { recursive: true, force: true });
  const tried = failures.length ? `\nTried:\n${failures.map((f) => `  - ${f}`).join('\n')}` : '';
  throw new Error(`${NO_DATABASE_MESSAGE}${tried}`);
}
