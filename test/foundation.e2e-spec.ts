import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { locateFerretdb } from '../src/database/embedded/embedded-database';
import { startFerretdb } from '../src/database/embedded/ferretdb-process';
import { findFreePort } from '../src/database/embedded/ports';
import type { RunningDatabase } from '../src/database/embedded/types';
import { waitFor } from './support';
import { buildDistBeforeAll, ensureDistBuilt } from './support/dist-build';
import {
  runBuiltScript,
  startServiceProcess,
  stopServiceProcesses,
} from './support/service-process';
import {
  startTestApp,
  testDatabaseUri,
  uniqueDatabaseName,
  type TestApp,
} from './support/test-app';

async function waitForStatus(
  app: TestApp,
  path: string,
  status: number,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    const response = await app.request(path);
    if (response.status === status) return Date.now() - started;
    if (Date.now() - started > timeoutMs)
      throw new Error(`${path} still ${response.status} after ${timeoutMs} ms, wanted ${status}`);
    await sleep(100);
  }
}

buildDistBeforeAll();

describe('foundation (HTTP, health, logs)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ captureLogs: true });
  });
  afterAll(() => app.close());

  it('answers the legacy /healthcheck with the uptime', async () => {
    const response = await app.request('/healthcheck');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { uptime: number };
    expect(Object.keys(body)).toEqual(['uptime']);
    expect(body.uptime).toBeGreaterThan(0);
  });

  it('is live, and ready while the database answers', async () => {
    expect((await app.request('/health/live')).status).toBe(200);
    const ready = await app.request('/health/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' } },
    });
  });

  it('echoes a well-formed x-request-id and replaces a malformed one', async () => {
    const kept = await app.request('/health/live', {
      headers: { 'x-request-id': 'client-id_42.a' },
    });
    expect(kept.headers.get('x-request-id')).toBe('client-id_42.a');
    const replaced = await app.request('/health/live', {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const generated = await app.request('/health/live');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs one JSON line per request with id, method, path, status and duration, and no credentials', async () => {
    const secrets = ['cookie-token-value-123', 'bearer-token-value-456'];
    await app.request('/healthcheck?token=query-secret-789', {
      headers: {
        cookie: `token=${secrets[0]}; theme=dark`,
        authorization: `Bearer ${secrets[1]}`,
        'x-request-id': 'log-check-1',
      },
    });
    await sleep(50);
    const lines = app.logs.filter((line) => line.includes('log-check-1'));
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(entry).toMatchObject({
      level: 'info',
      req: { id: 'log-check-1', method: 'GET', path: '/healthcheck' },
      res: { statusCode: 200 },
    });
    expect(typeof entry.responseTime).toBe('number');
    for (const line of app.logs) {
      for (const secret of [...secrets, 'query-secret-789']) expect(line).not.toContain(secret);
    }
  });
});

describe('DB_DEBUG_LOG', () => {
  it.each([
    ['true', true],
    ['false', false],
  ])('with %s logs database commands: %s', async (value, expected) => {
    const app = await startTestApp({ captureLogs: true, env: { DB_DEBUG_LOG: value } });
    try {
      await app.request('/health/ready');
      await sleep(50);
      expect(app.logs.some((line) => line.includes('"msg":"db ping"'))).toBe(expected);
    } finally {
      await app.close();
    }
  });
});

describe('database outages', () => {
  const binary = locateFerretdb({ dataDir: '' });
  let dataDir: string;
  let server: RunningDatabase | undefined;

  beforeEach(() => {
    if (!binary)
      throw new Error('these tests need a ferretdb binary (bash scripts/install-ferretdb.sh)');
    dataDir = mkdtempSync(join(tmpdir(), 'outage-'));
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts without a database, says 503 until it appears, then recovers by itself', async () => {
    const port = await findFreePort();
    const app = await startTestApp({
      mongodbUri: `mongodb://127.0.0.1:${port}/outage`,
      skipDatabaseWait: true,
    });
    try {
      const response = await app.request('/health/ready');
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({
        status: 'error',
        error: { database: { status: 'down' } },
        requestId: expect.any(String),
      });
      server = await startFerretdb({ binary: binary!, dataDir, port });
      await waitForStatus(app, '/health/ready', 200, 15_000);
    } finally {
      await app.close();
    }
  });

  it('goes 503 within seconds when the database dies, and back to 200 when it returns', async () => {
    const port = await findFreePort();
    server = await startFerretdb({ binary: binary!, dataDir, port });
    const app = await startTestApp({ mongodbUri: `mongodb://127.0.0.1:${port}/outage` });
    try {
      expect((await app.request('/health/ready')).status).toBe(200);
      await server.stop();
      const toDown = await waitForStatus(app, '/health/ready', 503, 5_000);
      expect(toDown).toBeLessThan(5_000);
      server = await startFerretdb({ binary: binary!, dataDir, port });
      await waitForStatus(app, '/health/ready', 200, 15_000);
    } finally {
      await app.close();
    }
  });
});

describe('graceful shutdown of the process', () => {
  // Whatever a failed test left running, gone (output pipes closed) before the next one.
  afterEach(() => stopServiceProcesses());

  const fixture = resolve(__dirname, 'fixtures', 'slow-server.js');
  const startProcess = async (env: Record<string, string>) => {
    const service = await startServiceProcess({ LOG_LEVEL: 'info', ...env }, fixture);
    return {
      child: service.child,
      port: Number(new URL(service.url).port),
      output: service.output,
    };
  };

  it('finishes the request in flight on SIGTERM, then exits 0 leaving no database process', async () => {
    // No MONGODB_URI: the process starts (and must stop) its own embedded database.
    const {
      child: proc,
      port,
      output,
    } = await startProcess({
      MONGODB_URI: '',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'shutdown-')),
      SLOW_MS: '1500',
    });
    const ferretPids = childPidsOf(proc.pid!);
    expect(ferretPids.length).toBeGreaterThanOrEqual(2);
    const inFlight = fetch(`http://127.0.0.1:${port}/test/slow`);
    await waitFor('the request to be in flight', () => output().includes('slow request started'));
    const exited = new Promise<number | null>((resolvePromise) =>
      proc.once('exit', (code) => resolvePromise(code)),
    );
    proc.kill('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ finished: true });
    expect(await exited).toBe(0);
    // The database's watchdog stops it once the process is gone: not left running.
    await waitFor('the database processes to end', () => !ferretPids.some(isRunning), 10_000);
    expect(output()).toContain('Shut down cleanly');
    expect(output()).not.toContain('exiting anyway');
  });

  it('refuses new connections once shutting down', async () => {
    const {
      child: proc,
      port,
      output,
    } = await startProcess({
      MONGODB_URI: testDatabaseUri(uniqueDatabaseName()),
      // Long enough that the refusal below is seen while this request still runs, even when busy.
      SLOW_MS: '5000',
    });
    let inFlightAnswered = false;
    const inFlight = fetch(`http://127.0.0.1:${port}/test/slow`).finally(
      () => (inFlightAnswered = true),
    );
    await waitFor('the request to be in flight', () => output().includes('slow request started'));
    proc.kill('SIGTERM');
    const refused = () =>
      fetch(`http://127.0.0.1:${port}/health/live`, { headers: { connection: 'close' } }).then(
        () => false,
        () => true,
      );
    await waitFor('a new connection to be refused', refused, 4_000);
    // Refused while the request in flight still runs: not merely because the process is gone.
    expect(inFlightAnswered).toBe(false);
    expect((await inFlight).status).toBe(200);
  });

  it('with SHUTDOWN_DRAIN_DELAY, fails readiness but keeps serving for that long, then stops', async () => {
    const {
      child: proc,
      port,
      output,
    } = await startProcess({
      MONGODB_URI: testDatabaseUri(uniqueDatabaseName()),
      SHUTDOWN_DRAIN_DELAY: '4000ms',
    });
    const url = `http://127.0.0.1:${port}`;
    await waitForUrlStatus(`${url}/health/ready`, 200, 15_000);
    const exited = new Promise<number | null>((resolvePromise) =>
      proc.once('exit', (code) => resolvePromise(code)),
    );
    const signalledAt = Date.now();
    proc.kill('SIGTERM');
    // Within the drain, with room for a busy machine: after it, the port is closed.
    await waitForUrlStatus(`${url}/health/ready`, 503, 3_000);
    const ready = await fetch(`${url}/health/ready`, { headers: { connection: 'close' } });
    expect(await ready.json()).toMatchObject({ error: { shutdown: { draining: true } } });
    // Everything else is still served, on fresh connections too.
    const live = await fetch(`${url}/health/live`, { headers: { connection: 'close' } });
    expect(live.status).toBe(200);
    expect(live.headers.get('connection')).toBe('close');
    expect(await exited).toBe(0);
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(4_000);
    expect(output()).toMatch(/readiness now fails; serving for 4000 ms more/);
    expect(output()).toContain('Shut down cleanly');
  });
});

/** Polls a URL until it answers `status` (a refused connection counts as not yet). */
async function waitForUrlStatus(url: string, status: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await fetch(url, { headers: { connection: 'close' } }).then(
      (response) => response.status,
      () => 0,
    );
    if (got === status) return;
    if (Date.now() > deadline) throw new Error(`${url} answered ${got}, not ${status}`);
    await sleep(50);
  }
}

/** Running means alive and not a zombie (an exited process nobody has reaped yet). */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** All descendants of a process (the database watchdog shell and the database itself). */
function childPidsOf(pid: number): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=']).toString();
  const pairs = out
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number));
  const result: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const [child, ppid] of pairs) {
      if (ppid === parent) {
        result.push(child);
        queue.push(child);
      }
    }
  }
  return result;
}

describe('a bad configuration', () => {
  const ed25519Pem = generateKeyPairSync('ed25519')
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();

  it.each<[string, Record<string, string>, string]>([
    [
      'a port',
      { PORT: 'eighty' },
      'PORT="eighty" is not valid: expected an integer from 0 to 65535',
    ],
    [
      'an EdDSA algorithm',
      { JWT_ALG: 'EdDSA' },
      'JWT_ALG="EdDSA" is not valid: expected one of ES256, RS256, PS256',
    ],
    [
      'an Ed25519 key',
      {
        JWT_PRIV_KEY_B64: Buffer.from(ed25519Pem).toString('base64'),
        MONGODB_URI: 'mongodb://127.0.0.1:9/x',
      },
      'JWT keys: unsupported ed25519 key: the supported algorithms are ES256, RS256, PS256',
    ],
  ])('stops the process with one line naming what is wrong: %s', async (_case, env, line) => {
    const { code, stderr } = await runBuiltScript('main.js', [], {
      env: { NODE_ENV: 'development', DATA_DIR: '.data/test', ...env },
    });
    expect(code).toBe(1);
    expect(stderr).toContain(line);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe('an old Node.js', () => {
  it.each(['main.js', 'seed/seed.cli.js', 'auth/keys/generate-keys.cli.js', 'print-schema.cli.js'])(
    'dist/%s says which Node is needed, before loading anything',
    async (script) => {
      const { code, stderr } = await runBuiltScript(script, ['--help'], {
        nodeArgs: ['--require', resolve(__dirname, 'fixtures', 'old-node.js')],
      });
      expect(code).toBe(1);
      expect(stderr.trim()).toBe(
        'Node.js 22.12 or newer is required; this is v20.20.2. Without root: npm install -g --prefix ~/node24 node@24 && export PATH=~/node24/bin:$PATH',
      );
    },
  );
});

describe('stopping `npm start`', () => {
  const root = resolve(__dirname, '..');
  const stopTimes: string[] = [];
  afterAll(() => {
    mkdirSync(resolve(root, 'test-artifacts'), { recursive: true });
    writeFileSync(resolve(root, 'test-artifacts', 'stop-times.txt'), `${stopTimes.join('\n')}\n`);
  });
  let group: number | undefined;
  let npmClosed: Promise<unknown> | undefined;
  afterEach(async () => {
    if (group) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    // Until npm's output pipes are closed, they keep this test process alive.
    await npmClosed;
    group = undefined;
    npmClosed = undefined;
  });

  /** `npm start` (its build skipped: the kit builds dist/ once per run) as a terminal's foreground job. */
  async function npmStart() {
    ensureDistBuilt();
    const dataDir = mkdtempSync(join(tmpdir(), 'npm-start-'));
    const child = spawn('npm', ['start', '--ignore-scripts', '--silent'], {
      cwd: root,
      detached: true,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NODE_ENV: 'development',
        HOST: '127.0.0.1',
        PORT: '0',
        DATA_DIR: dataDir,
        LOG_PRETTY: 'false',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    group = child.pid!;
    npmClosed = once(child, 'close');
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 60_000;
    while (!/Listening on/.test(output) && Date.now() < deadline) await sleep(100);
    expect(output).toMatch(/Listening on/);
    // npm, node, and the database's watchdog shell and FerretDB (in a session of their own).
    const pids = [child.pid!, ...childPidsOf(child.pid!)];
    expect(pids.length).toBeGreaterThanOrEqual(4);
    return { child, pids, output: () => output };
  }

  async function secondsUntilGone(pids: number[]): Promise<number> {
    const started = Date.now();
    while (pids.some(isRunning) && Date.now() - started < 15_000) await sleep(25);
    expect(pids.filter(isRunning)).toEqual([]);
    const seconds = (Date.now() - started) / 1000;
    stopTimes.push(`${expect.getState().currentTestName}: ${seconds.toFixed(2)} s`);
    return seconds;
  }

  it('Ctrl-C (SIGINT to the whole foreground group) ends everything within 2 s, cleanly', async () => {
    const { pids, output } = await npmStart();
    process.kill(-group!, 'SIGINT');
    expect(await secondsUntilGone(pids)).toBeLessThan(2);
    expect(output()).toContain('Shut down cleanly');
    expect(output()).not.toMatch(/again: exiting now|exiting anyway/);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s to the npm process alone leaves nothing running within 3 s',
    async (signal) => {
      const { child, pids, output } = await npmStart();
      child.kill(signal);
      expect(await secondsUntilGone(pids)).toBeLessThan(3);
      expect(output()).toContain('Shut down cleanly');
    },
  );
});

describe('the bulk seed, run twice', () => {
  const seed = async (uri: string, args: string[]) => {
    const { code, stdout, stderr } = await runBuiltScript('seed/seed.cli.js', args, {
      env: { NODE_ENV: 'development', MONGODB_URI: uri, LOG_LEVEL: 'warn' },
    });
    return { code, output: stdout + stderr };
  };

  // Three seed processes, each starting Nest and a database connection: over 20 s on a busy machine.
  it('with the same flags changes nothing and fails nothing; another seed adds', async () => {
    const uri = testDatabaseUri(uniqueDatabaseName());
    const app = await startTestApp({ mongodbUri: uri });
    const count = () =>
      Promise.all(
        ['user', 'item', 'user_order'].map((c) => app.connection.collection(c).countDocuments()),
      );
    try {
      const flags = ['--users', '40', '--orders', '60', '--seed', '3'];
      const first = await seed(uri, flags);
      expect(first.code).toBe(0);
      const afterFirst = await count();
      const second = await seed(uri, flags);
      expect(second.code).toBe(0);
      expect(second.output).toMatch(/were there already \(generated before with seed 3\)/);
      expect(await count()).toEqual(afterFirst);
      const other = await seed(uri, ['--users', '40', '--orders', '60', '--seed', '4']);
      expect(other.code).toBe(0);
      const afterOther = await count();
      expect(afterOther[0]).toBe(afterFirst[0] + 40);
      expect(afterOther[2]).toBe(afterFirst[2] + 60);
    } finally {
      await app.close();
    }
  }, 90_000);
});

describe('the command-line tools', () => {
  const run = (script: string, args: string[], cwd = resolve(__dirname, '..')) =>
    runBuiltScript(script, args, { cwd });

  it.each(['seed/seed.cli.js', 'auth/keys/generate-keys.cli.js', 'print-schema.cli.js'])(
    '%s --help explains itself and does nothing else',
    async (script) => {
      const out = mkdtempSync(join(tmpdir(), 'cli-help-'));
      const { code, stdout } = await run(script, ['--help'], out);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: npm run /);
      expect(stdout).toContain('--help');
      expect(readdirSync(out)).toEqual([]);
    },
  );

  it('refuses an unknown flag with the reason and the help, exit 2', async () => {
    const { code, stderr } = await run('seed/seed.cli.js', ['--userz', '5']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/Unknown option '--userz'[\s\S]*Usage: npm run seed/);
  });

  it('npm run keys makes a new, uniquely named pair every time, and says the next rotation step', async () => {
    const out = mkdtempSync(join(tmpdir(), 'keys-'));
    const first = await run('auth/keys/generate-keys.cli.js', ['--out', out]);
    const second = await run('auth/keys/generate-keys.cli.js', ['--out', out]);
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(readdirSync(out).filter((f) => f.endsWith('-private.pem'))).toHaveLength(2);
    expect(second.stdout).toMatch(/Next rotation step/);
  });
});
