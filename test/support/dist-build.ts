import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const MARKER = join(ROOT, 'dist', '.test-run');
const LOCK = join(ROOT, '.data', 'dist-build.lock');
/** A lock older than this belongs to a run that died while building. */
const STALE_LOCK_MS = 5 * 60_000;

let builtHere = false;

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const builtForThisRun = (runId: string) => {
  try {
    return readFileSync(MARKER, 'utf8') === runId;
  } catch {
    return false;
  }
};

/**
 * Compiles `dist/` once per test run, for the files that start the service as
 * a process (test/support/service-process.ts calls it); in-process files never
 * pay for it. Jest's workers share the build: the first takes a lock and
 * compiles, the others wait for its marker.
 */
export function ensureDistBuilt(): void {
  if (builtHere) return;
  // Set by test/support/global-setup.ts; without it (a lone worker) build once per process.
  const runId = process.env.TEST_RUN_ID ?? `pid-${process.pid}`;
  mkdirSync(join(ROOT, '.data'), { recursive: true });
  while (!builtForThisRun(runId)) {
    try {
      mkdirSync(LOCK);
    } catch {
      const age = Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      sleep(250);
      continue;
    }
    try {
      if (!builtForThisRun(runId)) {
        execFileSync(
          process.execPath,
          [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
          { cwd: ROOT, stdio: 'inherit' },
        );
        writeFileSync(MARKER, runId);
      }
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
  }
  builtHere = true;
}

/**
 * For a file that starts the service as a process: builds `dist/` in a hook
 * before its tests, with the time a build takes on a busy machine (about 20 s
 * idle, over a minute under load), rather than inside the first test's limit.
 */
export function buildDistBeforeAll(): void {
  beforeAll(() => ensureDistBuilt(), 5 * 60_000);
}
