import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mongo } from 'mongoose';
import {
  DEFAULT_STRATEGIES,
  NO_DATABASE_MESSAGE,
  startEmbeddedDatabase,
  type DatabaseStrategy,
} from './embedded-database';
import type { RunningDatabase } from './types';

function fakeStrategy(
  name: string,
  located: string | undefined,
  result: 'ok' | 'fail',
  calls: string[],
): DatabaseStrategy {
  return {
    name,
    locate: () => located,
    start: async (): Promise<RunningDatabase> => {
      calls.push(name);
      if (result === 'fail') throw new Error(`${name} broke`);
      return {
        kind: 'ferretdb',
        uri: `mongodb://${name}/`,
        pid: undefined,
        stop: async () => undefined,
      };
    },
  };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startEmbeddedDatabase', () => {
  it('tries the ways in order, skipping those not available, and uses the first that works', async () => {
    const calls: string[] = [];
    const db = await startEmbeddedDatabase({ dataDir: '', throwaway: true }, [
      fakeStrategy('mongod', undefined, 'ok', calls),
      fakeStrategy('ferretdb', '/bin/ferretdb', 'fail', calls),
      fakeStrategy('download', 'download', 'ok', calls),
      fakeStrategy('go', '/bin/go', 'ok', calls),
    ]);
    expect(calls).toEqual(['ferretdb', 'download']);
    expect(db.uri).toBe('mongodb://download/');
    await db.stop();
  });

  it('skips the MongoDB download in one line when its host does not resolve', async () => {
    const download = DEFAULT_STRATEGIES.find((strategy) => strategy.name.includes('download'))!;
    const logs: string[] = [];
    const home = mkdtempSync(join(tmpdir(), 'no-cache-'));
    const located = await download.locate({
      dataDir: '',
      env: { HOME: home, MONGOMS_DOWNLOAD_MIRROR: 'https://mirror.example.invalid' },
      log: (line) => logs.push(line),
    });
    expect(located).toBeUndefined();
    expect(logs).toEqual([
      'Embedded database: no MongoDB download reachable (mirror.example.invalid does not resolve) and none cached; skipping it',
    ]);
  });

  it('fails with one message naming every way to get a database', async () => {
    const calls: string[] = [];
    await expect(
      startEmbeddedDatabase({ dataDir: '', throwaway: true }, [
        fakeStrategy('mongod', undefined, 'ok', calls),
        fakeStrategy('ferretdb', 'x', 'fail', calls),
      ]),
    ).rejects.toThrow(`${NO_DATABASE_MESSAGE}\nTried:\n  - ferretdb: ferretdb broke`);
  });

  it('starts a real server that answers, and removes a throwaway data folder on stop', async () => {
    const logs: string[] = [];
    const db = await startEmbeddedDatabase({
      dataDir: '',
      throwaway: true,
      log: (m) => logs.push(m),
    });
    const dataDir = /data in (\S+)\)/.exec(logs.join('\n'))?.[1];
    const client = new mongo.MongoClient(`${db.uri}probe`, { serverSelectionTimeoutMS: 3000 });
    try {
      await expect(client.db('probe').command({ ping: 1 })).resolves.toMatchObject({ ok: 1 });
    } finally {
      await client.close();
    }
    await db.stop();
    expect(dataDir && existsSync(dataDir)).toBe(false);
    if (db.pid) expect(isRunning(db.pid)).toBe(false);
  });

  it('never lets the database outlive its parent, even when the parent is killed', async () => {
    // A separate Node process starts the database, prints its pid, and is then SIGKILLed.
    const launcher = `
      const { startEmbeddedDatabase } = require(${JSON.stringify(require.resolve('../../../dist/database/embedded/embedded-database.js'))});
      startEmbeddedDatabase({ dataDir: '', throwaway: true }).then((db) => { console.log('PID ' + db.pid); setInterval(() => {}, 1000); });
    `;
    const parent = spawn(process.execPath, ['-e', launcher], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const childPid = await new Promise<number>((resolve, reject) => {
      parent.stdout.on('data', (chunk: Buffer) => {
        const match = /PID (\d+)/.exec(chunk.toString());
        if (match) resolve(Number(match[1]));
      });
      parent.once('exit', () => reject(new Error('launcher exited early')));
    });
    expect(isRunning(childPid)).toBe(true);
    parent.kill('SIGKILL');
    const deadline = Date.now() + 5000;
    while (isRunning(childPid) && Date.now() < deadline) await sleep(50);
    expect(isRunning(childPid)).toBe(false);
  });
});
