import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { findFreePort, waitForPort } from './ports';
import type { RunningDatabase } from './types';

/**
 * The shell stands between Node and FerretDB as a watchdog: it holds the read
 * end of a pipe from this process, and when that pipe closes (normal exit,
 * SIGTERM, crash, even SIGKILL of Node) it stops FerretDB. Node cannot ask
 * Linux to kill a child with its parent, so the pipe does it.
 */
const WATCHDOG_SCRIPT = [
  '"$0" "$@" &',
  'child=$!',
  'echo "$child"',
  'while read -r _; do :; done',
  'kill -TERM "$child" 2>/dev/null',
  'wait "$child"',
].join('\n');

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

export interface FerretdbStartOptions {
  readonly binary: string;
  /** Folder for the SQLite files and FerretDB's state; created when missing. */
  readonly dataDir: string;
  /** A fixed port (restarting a stopped server where clients expect it); default: a free one. */
  readonly port?: number;
}

export async function startFerretdb(options: FerretdbStartOptions): Promise<RunningDatabase> {
  mkdirSync(options.dataDir, { recursive: true });
  if (options.port) return startOnPort(options, options.port);
  // A free port can be taken by someone else between finding and binding it: try again.
  for (let attempt = 1; ; attempt += 1) {
    const port = await findFreePort();
    try {
      return await startOnPort(options, port);
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}

async function startOnPort(options: FerretdbStartOptions, port: number): Promise<RunningDatabase> {
  const args = [
    '--handler=sqlite',
    `--sqlite-url=file:${options.dataDir.replace(/\/+$/, '')}/`,
    `--state-dir=${options.dataDir}`,
    `--listen-addr=127.0.0.1:${port}`,
    '--debug-addr=-',
    '--telemetry=disable',
    '--log-level=WARN',
  ];
  const child = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, options.binary, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    // Its own session: Ctrl-C in a terminal signals the whole foreground group, and the
    // database must outlive the application's last query; the application stops it.
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const childPid = await readChildPid(child);

  try {
    await waitForPort(port, START_TIMEOUT_MS, () => child.exitCode !== null || !isAlive(childPid));
  } catch (error) {
    await stopWatchdog(child, childPid);
    const detail = stderr.trim().split('\n').slice(-3).join(' | ');
    const reason = `${(error as Error).message}${detail ? ` (${detail})` : ''}`;
    throw new Error(`FerretDB did not start on port ${port}: ${reason}`, { cause: error });
  }

  // Once running, the watchdog pipe must not keep the process alive by itself; it closes with us.
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }
  child.unref();
  return {
    kind: 'ferretdb',
    uri: `mongodb://127.0.0.1:${port}/`,
    pid: childPid,
    stop: () => stopWatchdog(child, childPid),
  };
}

function readChildPid(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n')[0];
      if (buffered.includes('\n') && /^\d+$/.test(line)) {
        child.stdout?.off('data', onData);
        resolve(Number(line));
      }
    };
    child.stdout?.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`FerretDB launcher exited early with code ${code}`)),
    );
  });
}

/** A process that exited but is not yet reaped by the watchdog shell (a zombie) counts as gone. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

async function stopWatchdog(child: ChildProcess, childPid: number): Promise<void> {
  if (child.exitCode !== null && !isAlive(childPid)) return;
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  child.stdin?.end();
  const timer = setTimeout(() => {
    for (const pid of [childPid, child.pid]) {
      try {
        if (pid) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }, STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
