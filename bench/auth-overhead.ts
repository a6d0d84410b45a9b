/**
 * `npm run bench:auth`: what authentication costs per request, side by side
 * in one run. Starts the built service three times (token cache on, token
 * cache off, authentication off) on one embedded database and drives each
 * with autocannon over loopback. A program that reports numbers, not a test.
 */
import autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedDatabase } from '../src/database/embedded/embedded-database';
import { generatePemKeyPair } from '../src/auth/keys/key-material';
import {
  cleanUpOnInterrupt,
  ROOT,
  seedByProcess,
  startNodeProcess,
  npmStartCommand,
  tokenCookie,
  type BenchProcess,
} from './support/processes';
import { numberFlag } from './support/cli';

const DURATION = numberFlag('duration', 8);
const CONNECTIONS = numberFlag('connections', 50);
const NPM_START = npmStartCommand();
const JANE = { username: 'jane01', password: 'jane01-dev-password', id: '1E4Yo11Y3r9a' };

interface Mode {
  readonly name: string;
  readonly env: Record<string, string>;
  readonly authenticated: boolean;
}

function startServer(env: Record<string, string>, logFile: string): Promise<BenchProcess> {
  return startNodeProcess({
    script: join(ROOT, 'dist', 'main.js'),
    nodeArgs: NPM_START.nodeArgs,
    env: {
      ...NPM_START.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      LOG_PRETTY: 'false',
      COOKIE_SECURE: 'false',
      ...env,
    },
    logFile,
    readyPath: '/health/ready',
  });
}

async function run(url: string, body: string, headers: Record<string, string>, duration: number) {
  const result = await autocannon({
    url: `${url}/graphql`,
    method: 'POST',
    connections: CONNECTIONS,
    duration,
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-auth-'));
  const database = await startEmbeddedDatabase({ dataDir, throwaway: true });
  let running: BenchProcess | undefined;
  const cleanUp = cleanUpOnInterrupt(async () => {
    await running?.stop();
    await database.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const pair = generatePemKeyPair('ES256');
  const common = {
    MONGODB_URI: `${database.uri}bench_auth`,
    JWT_PRIV_KEY_B64: Buffer.from(pair.privateKey).toString('base64'),
    JWT_PUB_KEY_B64: Buffer.from(pair.publicKey).toString('base64'),
    LOGIN_RATE_LIMIT_PER_ADDRESS: '100000',
    GRAPHQL_RATE_LIMIT_PER_MINUTE: '10000000',
  };
  // The sample users, with their development passwords, to sign in with.
  await seedByProcess(common.MONGODB_URI);

  const modes: Mode[] = [
    { name: 'cache on', env: {}, authenticated: true },
    { name: 'cache off', env: { AUTH_TOKEN_CACHE: 'false' }, authenticated: true },
    { name: 'auth off', env: { INSECURE_FIXED_VIEWER: JANE.id }, authenticated: false },
  ];
  const queries = { typename: '{ __typename }', viewer: '{ viewer { id } }' };
  const rows: string[] = [];
  const results: Record<string, Record<string, Awaited<ReturnType<typeof run>>>> = {};
  try {
    for (const mode of modes) {
      const server = await startServer(
        { ...common, ...mode.env },
        join(dataDir, `${mode.name}.log`),
      );
      running = server;
      try {
        const login = await fetch(`${server.url}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(JANE),
        });
        const cookie = tokenCookie(login);
        const headers: Record<string, string> = mode.authenticated ? { cookie } : {};
        results[mode.name] = {};
        for (const [queryName, query] of Object.entries(queries)) {
          const body = JSON.stringify({ query });
          await run(server.url, body, headers, 2); // warm-up
          const measured = await run(server.url, body, headers, DURATION);
          results[mode.name][queryName] = measured;
          rows.push(
            `| ${mode.name} | \`${query}\` | ${measured.rps} | ${measured.p50} | ${measured.p99} | ${measured.errors} |`,
          );
        }
      } finally {
        await server.stop();
        running = undefined;
      }
    }
  } finally {
    await cleanUp();
  }
  console.log(`\n${CONNECTIONS} connections, ${DURATION} s per row, Node ${process.version}\n`);
  console.log('| mode | query | req/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|');
  console.log(rows.join('\n'));
  for (const query of Object.keys(queries)) {
    const on = results['cache on'][query].rps;
    const off = results['cache off'][query].rps;
    const none = results['auth off'][query].rps;
    console.log(
      `\n${query}: cache on / cache off = ${(on / off).toFixed(2)}, cache on / auth off = ${(on / none).toFixed(2)}, cache off / auth off = ${(off / none).toFixed(2)}`,
    );
  }
  const failed = Object.values(results).some((byQuery) =>
    Object.values(byQuery).some((r) => r.errors > 0),
  );
  process.exit(failed ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
