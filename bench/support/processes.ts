/**
 * Processes a benchmark starts and watches: the built service or a reference
 * server, on a port chosen up front, with its output in a file (written as in
 * production, never read on the hot path), plus memory readings from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The project root: benches are compiled to dist-bench/bench/ (and support/ below it). */
export const ROOT = resolve(__dirname, '..', '..', '..');

export interface BenchProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly url: string;
  /** The tail of the process's output, for error messages. */
  outputTail(): string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts `node <script> ...args` with `env` (and PORT), its stdout and stderr
 * appended to `logFile`, and waits until `readyPath` answers (any status when
 * `readyPath` is undefined: the port is open).
 */
export async function startNodeProcess(options: {
  script: string;
  nodeArgs?: readonly string[];
  args?: readonly string[];
  env: Record<string, string>;
  logFile: string;
  readyPath?: string;
  timeoutMs?: number;
  /** A fixed port (a restart on the port a load balancer knows); a free one otherwise. */
  port?: number;
}): Promise<BenchProcess> {
  const port = options.port ?? (await freePort());
  const log = openSync(options.logFile, 'a');
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), options.script, ...(options.args ?? [])],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        HOST: '127.0.0.1',
        ...options.env,
        PORT: String(port),
      },
      stdio: ['ignore', log, log],
    },
  );
  closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  const outputTail = () => readFileSync(options.logFile, 'utf8').slice(-3000);
  const stop = () =>
    new Promise<void>((resolveStop) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
      child.once('exit', () => resolveStop());
      child.kill('SIGTERM');
    });
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${options.script} exited with ${child.exitCode}:\n${outputTail()}`);
    try {
      const response = await fetch(`${url}${options.readyPath ?? '/'}`);
      await response.arrayBuffer();
      if (options.readyPath === undefined || response.ok)
        return { child, pid: child.pid!, url, outputTail, stop };
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  await stop();
  throw new Error(`${options.script} did not become ready:\n${outputTail()}`);
}

/**
 * Loads the sample data (and, with `--users N --orders M`, generated data)
 * through the built seed CLI, as a development process; rejects if it fails.
 */
export function seedByProcess(mongodbUri: string, seedArgs: readonly string[] = []): Promise<void> {
  return new Promise((resolveSeed, reject) => {
    const seeder = spawn(
      process.execPath,
      [resolve(ROOT, 'dist', 'seed', 'seed.cli.js'), ...seedArgs],
      {
        env: {
          ...process.env,
          NODE_ENV: 'development',
          MONGODB_URI: mongodbUri,
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    seeder.once('exit', (code) =>
      code === 0 ? resolveSeed() : reject(new Error(`the seed CLI exited with ${code}`)),
    );
  });
}

/**
 * The environment and Node.js options `npm start` runs the service with (package.json),
 * so a benchmark measures the process `npm start` runs, whatever options it is given.
 */
export function npmStartCommand(): { env: Record<string, string>; nodeArgs: string[] } {
  const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const match =
    /^((?:[A-Z][A-Z0-9_]*=\S+\s+)*)(?:exec\s+)?node\s+((?:--\S+\s+)*)dist\/main\.js$/.exec(
      pkg.scripts.start ?? '',
    );
  if (!match) throw new Error(`cannot read the command of "npm start": ${pkg.scripts.start}`);
  return {
    env: environmentOf(match[1].split(/\s+/).filter(Boolean)),
    nodeArgs: match[2].split(/\s+/).filter(Boolean),
  };
}

/** `NAME=VALUE` words as an environment (the value may itself hold `=`). */
export function environmentOf(assignments: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    assignments.map((pair) => [
      pair.slice(0, pair.indexOf('=')),
      pair.slice(pair.indexOf('=') + 1),
    ]),
  );
}

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+)`).exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** Resident memory now, in KiB (0 once the process is gone). */
export const rssKiB = (pid: number): number => statusField(pid, 'VmRSS');

/** CPU time the process has used so far (user + system), in microseconds; 0 once it is gone. */
export function cpuMicroseconds(pid: number): number {
  try {
    // Fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 a second on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return 0;
  }
}

/** Samples a process's resident memory until stopped; returns the peak in KiB. */
export function watchPeakRss(pid: number, everyMs = 200): { stop(): number } {
  let peak = rssKiB(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssKiB(pid))), everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, rssKiB(pid));
    },
  };
}

/** The `token=...` (or production's `__Host-token=...`) pair of a sign-in response, ready for a Cookie header. */
export function tokenCookie(response: Response): string {
  const cookie = response.headers.getSetCookie().find((c) => /^(__Host-)?token=/.test(c));
  if (!cookie) throw new Error(`no token cookie in the response (status ${response.status})`);
  return cookie.split(';')[0];
}

/**
 * Ctrl-C (SIGINT) or SIGTERM while a benchmark runs: say so, run `cleanUp`
 * (stop the servers and the database, remove the temporary folder) and exit
 * 130, rather than leave them behind. Returns `cleanUp`, made safe to call
 * twice, for the program's own `finally`.
 */
export function cleanUpOnInterrupt(cleanUp: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  const once = () => (running ??= cleanUp());
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping the servers and the database, removing temporary files`);
    void once()
      .catch((error: unknown) => console.error(`Clean-up failed: ${(error as Error).message}`))
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return once;
}
