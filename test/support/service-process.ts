import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { ensureDistBuilt } from './dist-build';

/** The compiled service started as a real process (dist/main.js), with its output kept. */
export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Processes started here that have not closed yet, starting ones included. */
const running = new Set<ChildProcess>();

/**
 * Kills every process `startServiceProcess` started that is still running (one
 * whose start a timed-out hook abandoned, or whose test failed before stopping
 * it) and waits until each is gone: call it in `afterAll`.
 */
export async function stopServiceProcesses(): Promise<void> {
  await Promise.all(
    [...running].map((child) => {
      const closed = once(child, 'close');
      child.kill('SIGKILL');
      return closed;
    }),
  );
}

export async function startServiceProcess(
  env: Record<string, string>,
  script = resolve(__dirname, '..', '..', 'dist', 'main.js'),
): Promise<ServiceProcess> {
  ensureDistBuilt();
  const child = spawn(process.execPath, [script], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'debug',
      LOG_PRETTY: 'false',
      HOST: '127.0.0.1',
      PORT: '0',
      COOKIE_SECURE: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  // 'close' comes after 'exit', once the output pipes are closed too.
  const closed = new Promise<number | null>((resolvePromise) =>
    child.once('close', (code) => {
      running.delete(child);
      resolvePromise(code);
    }),
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const port = await new Promise<number>((resolvePromise, reject) => {
    const timer = setInterval(() => {
      const match = /Listening on http:\/\/[^:]+:(\d+)/.exec(output);
      if (match) {
        clearInterval(timer);
        resolvePromise(Number(match[1]));
      }
    }, 25);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`process exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return closed;
    },
  };
}

/** Loads the sample data (with development passwords) through `dist/seed/seed.cli.js`, as a development process. */
export function seedByProcess(mongodbUri: string): Promise<void> {
  ensureDistBuilt();
  return new Promise<void>((resolvePromise, reject) => {
    const seeder = spawn(
      process.execPath,
      [resolve(__dirname, '..', '..', 'dist', 'seed', 'seed.cli.js')],
      {
        env: {
          ...process.env,
          NODE_ENV: 'development',
          MONGODB_URI: mongodbUri,
          LOG_LEVEL: 'warn',
        },
        stdio: 'ignore',
      },
    );
    seeder.once('exit', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`seed exited with ${code}`)),
    );
  });
}

/**
 * The built service as production runs it (NODE_ENV=production, Secure
 * cookies, the given keys), on a database the sample data was first loaded
 * into by a development process: production refuses to seed passwords.
 */
export async function startSeededProductionService(
  mongodbUri: string,
  keys: { readonly env: Record<string, string> },
  env: Record<string, string> = {},
): Promise<ServiceProcess> {
  await seedByProcess(mongodbUri);
  return startServiceProcess({
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    COOKIE_SECURE: 'true',
    MONGODB_URI: mongodbUri,
    CORS_ORIGINS: 'https://app.example.com',
    JWT_PRIV_KEY_B64: keys.env.JWT_PRIV_KEY_B64,
    JWT_PUB_KEY_B64: keys.env.JWT_PUB_KEY_B64,
    LOGIN_RATE_LIMIT_PER_ADDRESS: '1000',
    ...env,
  });
}

export interface FinishedProcess {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a built script (`dist/<script>`) to its end, with only PATH and HOME
 * from this environment plus `env`, and keeps what it printed.
 */
export function runBuiltScript(
  script: string,
  args: readonly string[] = [],
  options: { env?: Record<string, string>; cwd?: string; nodeArgs?: readonly string[] } = {},
): Promise<FinishedProcess> {
  ensureDistBuilt();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [...(options.nodeArgs ?? []), resolve(__dirname, '..', '..', 'dist', script), ...args],
      {
        cwd: options.cwd,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolvePromise({ code, stdout, stderr }));
  });
}
