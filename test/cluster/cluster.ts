/**
 * `npm run test:cluster`: the scale-out topology of docs/deployment.md, on
 * this machine, under load. Two auth processes and three API replicas
 * (`APP_ROLE=api`, no private key, keys from the auth tier's JWKS) behind
 * HAProxy (Debian's package; health checks on /health/ready), on a throwaway
 * FerretDB, with autocannon sending authenticated GraphQL reads through the
 * balancer. It checks, with numbers:
 *   1. every replica serves (requests per replica, from HAProxy's counters);
 *   2. a rolling restart of the three replicas, one at a time (SIGTERM,
 *      readiness fails while the replica drains, HAProxy stops routing,
 *      restart, ready), fails no request; meanwhile subscribers of live
 *      orders, on every replica at first, get every order created through the
 *      balancer while they are connected exactly once (events cross replicas
 *      through Redis), and reconnect to another replica when theirs closes
 *      their socket with 1001 (events published meanwhile are counted);
 *   3. with the auth tier stopped for 20 s, requests with valid tokens keep
 *      succeeding (also a token no replica has seen, with their key sets
 *      gone stale) and sign-in fails cleanly with 503;
 *   4. key rotation as docs/deployment.md's runbook writes it (keys from the
 *      documented command, the auth tier restarted one process at a time),
 *      under load: no request fails, on the JWKS_URL replicas and on one more
 *      API process on JWT_PUB_KEY_FILE; once the old key is dropped, every
 *      process refuses it, tokens it had verified included; then the leaked-key procedure: the time until every process
 *      refuses the leaked key's tokens, cached ones included, and users
 *      refreshing into a token of the new key;
 *   5. the sixth failed sign-in for one username is refused whichever auth
 *      process receives it;
 *   6. sign-out everywhere under load: a user's tokens in use on every
 *      replica are refused by all of them within 2 s (the revocation feed;
 *      the time is the slowest replica's, p100), while no request of another
 *      user fails; a reused refresh token ends its session on every replica;
 *   7. behind nginx instead (docs/deployment.md's recipe: passive checks,
 *      proxy_next_upstream), the same rolling restart fails no request, live
 *      orders reach subscribers through nginx as through HAProxy, and a
 *      forged X-Forwarded-For does not reach the replicas.
 * Prints a table and `N passed, N failed`; exits non-zero on any failure.
 * `--drain 0` runs the replicas without SHUTDOWN_DRAIN_DELAY (to see what it
 * prevents); `--nginx-load POST` sends the load behind nginx as POSTs, which
 * nginx cannot resend. Bounded: it gives up after `--timeout` seconds (default 600). Ctrl-C stops
 * everything it started. Process logs stay in a temporary folder, printed at
 * the end.
 */
import autocannon from 'autocannon';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT } from 'jose';
import { createPrivateKey } from 'node:crypto';
import { parseSigningKey } from '../../src/auth/keys/key-material';
import { startRedis } from '../support/redis-server';
import { startLiveOrders } from './live-orders';
import { startEmbeddedDatabase } from '../../src/database/embedded/embedded-database';
import type { RunningDatabase } from '../../src/database/embedded/types';
import { numberFlag, textFlag } from '../../bench/support/cli';
import {
  freePort,
  ROOT,
  seedByProcess,
  startNodeProcess,
  npmStartCommand,
  tokenCookie,
  type BenchProcess,
} from '../../bench/support/processes';

const TIMEOUT_SECONDS = numberFlag('timeout', 600);
const AUTH_OUTAGE_SECONDS = numberFlag('auth-outage', 20);
const CONNECTIONS = 4;
/** WebSocket subscribers of live orders through the balancer: two per replica with round robin. */
const LIVE_SUBSCRIBERS = 6;
/** Replicas drain this long after SIGTERM: above HAProxy's inter × fall (300 ms × 2). `--drain 0` shows why. */
const DRAIN = textFlag('drain', '1500ms');
/**
 * How the load behind nginx sends its query: GET (idempotent, so nginx retries it on another
 * replica) unless `--nginx-load POST` asks to see what nginx cannot retry.
 */
const NGINX_LOAD = textFlag('nginx-load', 'GET') === 'POST' ? 'POST' : 'GET';
/** A withdrawn key is refused once the replicas' copy of the key set is this old. */
const JWKS_CACHE_MAX_AGE_SECONDS = 5;
const ISSUER = 'user-order-auth';
const AUDIENCE = 'user-order-api';
const JANE = { id: '1E4Yo11Y3r9a', username: 'jane01', password: 'jane01-dev-password' };
const JOHN = { username: 'john01', password: 'john01-dev-password' };
/** Production's access cookie (no COOKIE_DOMAIN): `__Host-` so a sibling sub-domain cannot plant one. */
const COOKIE = '__Host-token';
const QUERY_TEXT = 'query ClusterViewer { viewer { username } }';
const QUERY = JSON.stringify({ query: QUERY_TEXT });
const EXPECTED_BODY = '{"data":{"viewer":{"username":"jane01"}}}';

interface KeyPair {
  readonly kid: string;
  readonly privatePem: string;
  readonly publicPem: string;
  readonly privatePath: string;
  readonly publicPath: string;
}

const results: { check: string; ok: boolean; detail: string }[] = [];
const table: [string, string][] = [];
function check(name: string, ok: boolean, detail: string): void {
  results.push({ check: name, ok, detail });
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}: ${detail}`);
}
const say = (message: string) =>
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
const execFileAsync = promisify(execFile);

/** A new pair made as docs/deployment.md says: `node dist/auth/keys/generate-keys.cli.js --alg ES256 --out DIR`. */
async function keyPairFromCli(dir: string): Promise<KeyPair> {
  const before = new Set(existsSync(dir) ? readdirSync(dir) : []);
  await execFileAsync(process.execPath, [
    join(ROOT, 'dist', 'auth', 'keys', 'generate-keys.cli.js'),
    '--alg',
    'ES256',
    '--out',
    dir,
  ]);
  const made = readdirSync(dir).filter((name) => !before.has(name));
  const privateName = made.find((name) => name.endsWith('-private.pem'));
  const publicName = made.find((name) => name.endsWith('-public.pem'));
  if (!privateName || !publicName) throw new Error(`the key CLI wrote ${made.join(', ')}`);
  const privatePath = join(dir, privateName);
  const publicPath = join(dir, publicName);
  const privatePem = readFileSync(privatePath, 'utf8');
  const parsed = await parseSigningKey(privatePem, 'ES256');
  return {
    kid: parsed.kid,
    privatePem,
    publicPem: readFileSync(publicPath, 'utf8'),
    privatePath,
    publicPath,
  };
}

/** A token for jane01 signed here with a key of the auth tier, as the auth endpoint would sign it. */
function signAs(key: KeyPair, lifetimeSeconds: number, jti: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    user_id: JANE.id,
    locale: 'en',
    roles: ['user'],
    auth_time: now,
    jti,
  })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(JANE.id)
    .setIssuedAt(now)
    .setExpirationTime(now + lifetimeSeconds)
    .sign(createPrivateKey(key.privatePem));
}

/** The status of a viewer query with a token, straight to one replica. */
async function statusWith(baseUrl: string, token: string): Promise<number> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: `${COOKIE}=${token}` },
    body: QUERY,
  });
  await response.arrayBuffer();
  return response.status;
}

/** The value of a cookie a response sets. */
function cookieValue(response: Response, name: string): string {
  const header = response.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  if (!header) throw new Error(`no ${name} cookie in the response (status ${response.status})`);
  return header.slice(name.length + 1).split(';')[0];
}

/**
 * Polls every replica with every token until each refuses it (or `timeoutMs`
 * passes): per replica, the milliseconds from `since` to its last first refusal.
 */
async function timeUntilRefused(
  replicas: readonly string[],
  tokens: readonly string[],
  since: number,
  timeoutMs: number,
): Promise<number[]> {
  return Promise.all(
    replicas.map(async (replica) => {
      const times = await Promise.all(
        tokens.map(async (token) => {
          while (Date.now() - since < timeoutMs) {
            if ((await statusWith(replica, token)) === 401) return Date.now() - since;
            await sleep(20);
          }
          return Number.POSITIVE_INFINITY;
        }),
      );
      return Math.max(...times);
    }),
  );
}

async function viewerStatus(baseUrl: string, token: string): Promise<number> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: `${COOKIE}=${token}` },
    body: QUERY,
  });
  const body = await response.text();
  return response.status === 200 && body.trim() !== EXPECTED_BODY ? 599 : response.status;
}

/** The access token a sign-in answered with. */
function accessToken(signIn: Response): string {
  const pair = tokenCookie(signIn);
  return pair.slice(pair.indexOf('=') + 1);
}

function login(baseUrl: string, username: string, password: string): Promise<Response> {
  return fetch(`${baseUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
}

/** HAProxy's per-server counters and states, from its CSV stats page. */
async function haproxyStats(statsUrl: string): Promise<
  Map<
    string,
    {
      status: string;
      sessions: number;
      responses2xx: number;
      other: number;
      retries: number;
      redispatches: number;
    }
  >
> {
  const text = await (await fetch(`${statsUrl};csv`)).text();
  const [header, ...rows] = text.trim().split('\n');
  const columns = header.replace(/^# /, '').split(',');
  const at = (row: string[], name: string) => row[columns.indexOf(name)];
  const stats = new Map();
  for (const line of rows) {
    const row = line.split(',');
    const server = at(row, 'svname');
    if (server === 'FRONTEND' || server === 'BACKEND') continue;
    const number = (name: string) => Number(at(row, name) || 0);
    stats.set(`${at(row, 'pxname')}/${server}`, {
      status: at(row, 'status'),
      sessions: number('scur'),
      responses2xx: number('hrsp_2xx'),
      other:
        number('hrsp_1xx') +
        number('hrsp_3xx') +
        number('hrsp_4xx') +
        number('hrsp_5xx') +
        number('hrsp_other'),
      retries: number('wretr'),
      redispatches: number('wredis'),
    });
  }
  return stats;
}

async function waitUntil(
  what: string,
  condition: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<number> {
  const started = Date.now();
  while (!(await condition().catch(() => false))) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
  return Date.now() - started;
}

/**
 * Steady load through the balancer until `stop()`; every non-2xx, error, timeout or wrong body
 * is a failure. The query goes as a POST (what Apollo Client sends), or as a GET: an idempotent
 * request, which a balancer may send to another replica when one closes under it.
 */
function startLoad(url: string, token: string, method: 'POST' | 'GET' = 'POST') {
  let wrongBodies = 0;
  let finished: (result: autocannon.Result) => void;
  const done = new Promise<autocannon.Result>((resolve) => (finished = resolve));
  const instance = autocannon(
    {
      url:
        method === 'POST'
          ? `${url}/graphql`
          : `${url}/graphql?query=${encodeURIComponent(QUERY_TEXT)}`,
      connections: CONNECTIONS,
      duration: 3600,
      timeout: 10,
      requests: [
        {
          method,
          headers:
            method === 'POST'
              ? { 'content-type': 'application/json', cookie: `${COOKIE}=${token}` }
              : // A header a cross-site form cannot send: Apollo's CSRF prevention lets the GET run.
                { 'apollo-require-preflight': 'true', cookie: `${COOKIE}=${token}` },
          body: method === 'POST' ? QUERY : undefined,
          onResponse: (status: number, body: string) => {
            if (status === 200 && body.trim() !== EXPECTED_BODY) wrongBodies += 1;
          },
        },
      ],
    },
    (error, result) => (error ? finished({ errors: 1 } as autocannon.Result) : finished(result)),
  );
  const errorMessages = new Map<string, number>();
  instance.on('reqError', (error: Error) => {
    const message = `${(error as NodeJS.ErrnoException).code ?? error.message} at ${new Date().toISOString().slice(11, 23)}`;
    errorMessages.set(message, (errorMessages.get(message) ?? 0) + 1);
  });
  return async () => {
    instance.stop();
    const result = await done;
    const statuses = Object.entries(result.statusCodeStats ?? {})
      .filter(([code]) => !code.startsWith('2'))
      .map(([code, stats]) => `${stats.count} × ${code}`);
    return {
      requests: result.requests?.total ?? 0,
      failed: (result.errors ?? 0) + (result.timeouts ?? 0) + (result.non2xx ?? 0) + wrongBodies,
      rps: Math.round(result.requests?.average ?? 0),
      /** What the failures were, for the report. */
      kinds: `errors ${result.errors ?? 0}${errorMessages.size ? ` (${[...errorMessages].map(([m, n]) => `${n} × ${m}`).join(', ')})` : ''}, timeouts ${result.timeouts ?? 0}, non-2xx ${result.non2xx ?? 0}${statuses.length ? ` (${statuses.join(', ')})` : ''}, wrong bodies ${wrongBodies}`,
    };
  };
}

function haproxyConfig(ports: {
  public: number;
  stats: number;
  auth: readonly number[];
  api: readonly number[];
}): string {
  return `global
  maxconn 2000

defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  option http-buffer-request
  # A request that never reached a server (connection refused) may go to another one; nothing
  # that reached a server is sent twice.
  retries 2
  option redispatch 1
  retry-on conn-failure
  default-server inter 300ms fall 2 rise 2
  # Upgraded (WebSocket) connections: the replicas ping every 12 s, replicas going away close them.
  timeout tunnel 1h

frontend public
  bind 127.0.0.1:${ports.public}
  option forwardfor
  acl to_auth path_beg /auth/ /.well-known/
  use_backend auth if to_auth
  default_backend api

backend auth
  balance roundrobin
  option httpchk GET /health/ready
  http-check expect status 200
${ports.auth.map((port, i) => `  server auth${i + 1} 127.0.0.1:${port} check`).join('\n')}

backend api
  balance roundrobin
  option httpchk GET /health/ready
  http-check expect status 200
${ports.api.map((port, i) => `  server api${i + 1} 127.0.0.1:${port} check`).join('\n')}

frontend stats
  bind 127.0.0.1:${ports.stats}
  stats enable
  stats uri /stats
`;
}

/**
 * docs/deployment.md's nginx recipe (nginx has no active health checks in its
 * free version): passive checks, retries only of requests that never reached a
 * replica (nginx never resends a POST it has sent), the client's address in
 * X-Forwarded-For for TRUST_PROXY. Paths are this test's own folder.
 */
function nginxConfig(
  dir: string,
  ports: { nginx: number; auth: readonly number[]; api: readonly number[] },
): string {
  const upstream = (name: string, list: readonly number[]) =>
    `  upstream ${name} {
${list.map((port) => `    server 127.0.0.1:${port} max_fails=1 fail_timeout=2s;`).join('\n')}
    keepalive 16;
    # Shorter than SHUTDOWN_DRAIN_DELAY: by the time a draining replica closes, nginx has
    # dropped every idle connection to it (it never resends a POST that met a closing one).
    keepalive_timeout 1s;
  }`;
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  # WebSocket upgrades (subscriptions) pass through; other requests send no Connection header,
  # so connections to the replicas are kept alive.
  map $http_upgrade $connection_upgrade {
    default upgrade;
    '' '';
  }
${upstream('api', ports.api)}
${upstream('auth', ports.auth)}
  server {
    listen 127.0.0.1:${ports.nginx};
    # Not part of the recipe: autocannon keeps writing on a connection nginx closes after its
    # default 1,000 requests (with Connection: close, which browsers honour), and counts a reset.
    keepalive_requests 1000000;
    # Kept-alive connections to the replicas (they answer Connection: close while draining).
    proxy_http_version 1.1;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $connection_upgrade;
    proxy_set_header Host $host;
    # The edge proxy: the client's own address, never one the client sent.
    proxy_set_header X-Forwarded-For $remote_addr;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_connect_timeout 2s;
    proxy_next_upstream error timeout http_502 http_503 http_504;
    proxy_next_upstream_tries 3;
    proxy_next_upstream_timeout 10s;
    location / { proxy_pass http://api; }
    location /auth/ { proxy_pass http://auth; }
    location /.well-known/ { proxy_pass http://auth; }
  }
}
`;
}

async function main(): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'cluster-'));
  const started: { stop(): Promise<void> }[] = [];
  /** Processes still starting: stopping everything waits for them, so none is left running. */
  const starting = new Set<Promise<unknown>>();
  let database: RunningDatabase | undefined;
  let haproxy: ChildProcess | undefined;
  let nginx: ChildProcess | undefined;
  const stopAll = async () => {
    haproxy?.kill('SIGKILL');
    // nginx's fast shutdown: the master stops its workers (which run as another user) and exits.
    nginx?.kill('SIGTERM');
    await Promise.allSettled([...starting]);
    await Promise.all(started.splice(0).map((p) => p.stop().catch(() => undefined)));
    await database?.stop().catch(() => undefined);
    database = undefined;
  };
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    console.log('\nInterrupted: stopping every process this test started');
    void stopAll().then(() => process.exit(130));
  });
  const deadline = setTimeout(() => {
    console.error(`Gave up after ${TIMEOUT_SECONDS} s`);
    check('finished within the time limit', false, `${TIMEOUT_SECONDS} s`);
    void stopAll().then(() => report(workDir));
  }, TIMEOUT_SECONDS * 1000);
  deadline.unref();

  try {
    say('Starting FerretDB and loading the sample data');
    database = await startEmbeddedDatabase({ dataDir: '', throwaway: true });
    const mongodbUri = `${database.uri}cluster`;
    await seedByProcess(mongodbUri);
    // Subscription events (and revocations, rate-limit counters) shared by every process.
    const redis = await startRedis();
    started.push(redis);
    const keysDir = join(workDir, 'keys');
    const oldKey = await keyPairFromCli(keysDir);

    const ports = {
      public: await freePort(),
      stats: await freePort(),
      nginx: await freePort(),
      auth: [await freePort(), await freePort()],
      api: [await freePort(), await freePort(), await freePort()],
      /** An API process on JWT_PUB_KEY_FILE (the other key setup), reached directly. */
      apiFile: await freePort(),
    };
    const publicUrl = `http://127.0.0.1:${ports.public}`;
    const statsUrl = `http://127.0.0.1:${ports.stats}/stats`;
    const { env: startEnv, nodeArgs } = npmStartCommand();
    const common = {
      ...startEnv,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      LOG_PRETTY: 'false',
      MONGODB_URI: mongodbUri,
      CORS_ORIGINS: 'https://app.example.com',
      // HAProxy on loopback is the only peer whose X-Forwarded-For is believed.
      TRUST_PROXY: '127.0.0.1',
      SHUTDOWN_DRAIN_DELAY: DRAIN,
      REDIS_URL: redis.url,
    };
    const script = join(ROOT, 'dist', 'main.js');

    /** One process of a tier, on the port the balancer knows it by, tracked for clean-up. */
    const startMember = async (
      tier: BenchProcess[],
      name: string,
      port: number,
      index: number,
      env: Record<string, string>,
    ) => {
      const starts = startNodeProcess({
        script,
        nodeArgs,
        port,
        env: { ...common, ...env },
        logFile: join(workDir, `${name}${index + 1}.log`),
        readyPath: '/health/ready',
      });
      starting.add(starts);
      try {
        const child = await starts;
        tier[index] = child;
        started.push(child);
        return child;
      } finally {
        starting.delete(starts);
      }
    };
    /** The key files an auth process is given: the private key it signs with, and public keys it also publishes. */
    type AuthKeys = { JWT_PRIV_KEY_FILE: string; JWT_PUB_KEY_FILE?: string };
    const auth: BenchProcess[] = [];
    const startAuth = (index: number, keys: AuthKeys) =>
      startMember(auth, 'auth', ports.auth[index], index, {
        APP_ROLE: 'auth',
        ...keys,
        LOGIN_RATE_LIMIT_PER_USERNAME: '5',
        LOGIN_RATE_LIMIT_PER_ADDRESS: '10000',
      });
    const startAuthTier = (keys: AuthKeys) =>
      Promise.all(ports.auth.map((_, i) => startAuth(i, keys)));
    const stopAuthTier = () => Promise.all(auth.map((p) => p.stop()));
    /** As an operator restarts a tier: one process at a time, each back UP in HAProxy before the next. */
    const restartAuthTier = async (keys: AuthKeys) => {
      for (const i of ports.auth.keys()) {
        await auth[i].stop();
        started.splice(started.indexOf(auth[i]), 1);
        await startAuth(i, keys);
        await waitUntil(`auth${i + 1} to be UP again`, () => serverUp(`auth/auth${i + 1}`));
      }
    };
    const fileTier: BenchProcess[] = [];
    const restartApiOnKeyFile = async (publicKeyFile: string) => {
      if (fileTier[0]) {
        await fileTier[0].stop();
        started.splice(started.indexOf(fileTier[0]), 1);
      }
      return startMember(fileTier, 'api-file', ports.apiFile, 0, {
        APP_ROLE: 'api',
        JWT_PUB_KEY_FILE: publicKeyFile,
        GRAPHQL_RATE_LIMIT_PER_MINUTE: '10000000',
      });
    };
    const api: BenchProcess[] = [];
    const startApi = (index: number) =>
      startMember(api, 'api', ports.api[index], index, {
        APP_ROLE: 'api',
        JWKS_URL: `${publicUrl}/.well-known/jwks.json`,
        JWKS_CACHE_MAX_AGE: `${JWKS_CACHE_MAX_AGE_SECONDS}s`,
        AUTH_URL: publicUrl,
        GRAPHQL_RATE_LIMIT_PER_MINUTE: '10000000',
      });

    say('Starting two auth processes (signing with the first key) and HAProxy');
    await startAuthTier({ JWT_PRIV_KEY_FILE: oldKey.privatePath });
    const configFile = join(workDir, 'haproxy.cfg');
    writeFileSync(configFile, haproxyConfig(ports));
    haproxy = spawn('haproxy', ['-f', configFile, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let haproxyErrors = '';
    haproxy.stderr!.on('data', (chunk: Buffer) => (haproxyErrors += chunk.toString()));
    started.push({
      stop: async () => {
        if (haproxy && haproxy.exitCode === null) {
          const exited = once(haproxy, 'exit');
          haproxy.kill('SIGTERM');
          await exited;
        }
      },
    });
    await waitUntil('HAProxy to answer', async () => (await fetch(statsUrl)).ok, 10_000).catch(
      (error: Error) => {
        throw new Error(`${error.message}\n${haproxyErrors}`);
      },
    );
    const serverUp = async (name: string) =>
      (await haproxyStats(statsUrl)).get(name)?.status === 'UP';
    await waitUntil(
      'both auth processes to be UP in HAProxy',
      async () => (await serverUp('auth/auth1')) && (await serverUp('auth/auth2')),
    );

    say('Starting three API replicas (public keys from the JWKS through the balancer)');
    await Promise.all(ports.api.map((_, i) => startApi(i)));
    await waitUntil('the three replicas to be UP in HAProxy', async () => {
      for (const name of ['api/api1', 'api/api2', 'api/api3'])
        if (!(await serverUp(name))) return false;
      return true;
    });

    const signIn = await login(publicUrl, JANE.username, JANE.password);
    if (signIn.status !== 200)
      throw new Error(`sign-in through the balancer answered ${signIn.status}`);
    const oldToken = accessToken(signIn);

    // 1. Every replica serves.
    say('Steady load for 5 s');
    const before = await haproxyStats(statsUrl);
    let stopLoad = startLoad(publicUrl, oldToken);
    await sleep(5_000);
    const steady = await stopLoad();
    const after = await haproxyStats(statsUrl);
    const perReplica = ['api1', 'api2', 'api3'].map(
      (name) => after.get(`api/${name}`)!.responses2xx - before.get(`api/${name}`)!.responses2xx,
    );
    table.push([
      'steady load: requests, failed, per second',
      `${steady.requests}, ${steady.failed}, ${steady.rps}`,
    ]);
    table.push(['requests per replica (api1, api2, api3)', perReplica.join(', ')]);
    check(
      'every replica serves',
      steady.failed === 0 && perReplica.every((n) => n > steady.requests / 6),
      `${perReplica.join(' / ')} of ${steady.requests} requests, ${steady.failed} failed`,
    );

    // 2. Rolling restart under load, with live orders.
    say(`Subscribing to live orders through the balancer (${LIVE_SUBSCRIBERS} sockets)`);
    const live = await startLiveOrders({
      baseUrl: publicUrl,
      cookie: `${COOKIE}=${oldToken}`,
      count: LIVE_SUBSCRIBERS,
      everyMs: 100,
    });
    const sockets = await haproxyStats(statsUrl);
    const subscribersPerReplica = ['api1', 'api2', 'api3'].map(
      (name) => sockets.get(`api/${name}`)!.sessions,
    );
    say('Rolling restart of the three replicas under load, an order created every 100 ms');
    const statsBeforeRestart = await haproxyStats(statsUrl);
    live.startWriting();
    stopLoad = startLoad(publicUrl, oldToken);
    const restartTimes: number[] = [];
    for (const [i, name] of ['api1', 'api2', 'api3'].entries()) {
      const begun = Date.now();
      await api[i].stop();
      started.splice(started.indexOf(api[i]), 1);
      await startApi(i);
      await waitUntil(`${name} to be UP again`, () => serverUp(`api/${name}`));
      restartTimes.push(Date.now() - begun);
      say(`  ${name} restarted and back in rotation in ${restartTimes.at(-1)} ms`);
    }
    const rolling = await stopLoad();
    const statsAfterRestart = await haproxyStats(statsUrl);
    const retries = ['api1', 'api2', 'api3'].reduce(
      (sum, name) =>
        sum +
        statsAfterRestart.get(`api/${name}`)!.retries -
        statsBeforeRestart.get(`api/${name}`)!.retries,
      0,
    );
    table.push(['rolling restart: requests, failed', `${rolling.requests}, ${rolling.failed}`]);
    table.push(['  each replica: SIGTERM to back in rotation (ms)', restartTimes.join(', ')]);
    table.push(['  connection retries by HAProxy (retry-on conn-failure)', String(retries)]);
    check(
      'a rolling restart under load fails no request',
      rolling.failed === 0 && rolling.requests > 0,
      `${rolling.failed} failed of ${rolling.requests} (${rolling.kinds})`,
    );
    const delivery = await live.finish();
    table.push([
      'live orders: subscribers per replica at first (api1, api2, api3)',
      subscribersPerReplica.join(', '),
    ]);
    table.push([
      '  orders created through the balancer during the restart, failed',
      `${delivery.created}, ${delivery.failedCreates}`,
    ]);
    table.push([
      '  events due while connected: delivered, lost, duplicated',
      `${delivery.due}: ${delivery.delivered}, ${delivery.lost}, ${delivery.duplicates}`,
    ]);
    table.push([
      '  sockets closed with 1001 (other codes), reconnects; events missed while reconnecting',
      `${delivery.closedGoingAway} (${delivery.closedOtherwise}), ${delivery.reconnects}; ${delivery.missedWhileReconnecting}`,
    ]);
    table.push([
      '  delivery latency, createOrder sent to event (ms: p50, p99, max)',
      `${delivery.latency.p50}, ${delivery.latency.p99}, ${delivery.latency.max}`,
    ]);
    check(
      'a subscriber on every replica',
      subscribersPerReplica.every((n) => n > 0),
      `${subscribersPerReplica.join(' / ')} of ${LIVE_SUBSCRIBERS} sockets`,
    );
    check(
      'every order created while a subscriber is connected reaches it once, across the rolling restart',
      delivery.created > 0 &&
        delivery.failedCreates === 0 &&
        delivery.due > 0 &&
        delivery.lost === 0 &&
        delivery.duplicates === 0 &&
        delivery.unexpected === 0,
      `${delivery.delivered} of ${delivery.due} delivered, ${delivery.duplicates} duplicated, ${delivery.unexpected} unexpected; ${delivery.failedCreates} of ${delivery.created + delivery.failedCreates} createOrder failed`,
    );
    check(
      'subscribers closed with 1001 reconnect to another replica',
      delivery.subscribersMoved === LIVE_SUBSCRIBERS &&
        delivery.closedOtherwise === 0 &&
        delivery.reconnects === delivery.closedGoingAway &&
        delivery.connectedAtEnd === LIVE_SUBSCRIBERS,
      `${delivery.closedGoingAway} closed with 1001, ${delivery.closedOtherwise} otherwise, ${delivery.reconnects} reconnected, ${delivery.connectedAtEnd} of ${LIVE_SUBSCRIBERS} connected at the end`,
    );

    // 3. The auth tier down for 20 s.
    say(`Stopping the auth tier for ${AUTH_OUTAGE_SECONDS} s`);
    const unseen = await signAs(oldKey, 900, 'unseen-during-outage');
    stopLoad = startLoad(publicUrl, oldToken);
    await stopAuthTier();
    for (const p of auth) started.splice(started.indexOf(p), 1);
    const outageStarted = Date.now();
    const loginDuringOutage = await login(publicUrl, JANE.username, JANE.password);
    // Past JWKS_CACHE_MAX_AGE every replica's key set is stale and cannot be refetched.
    await sleep((JWKS_CACHE_MAX_AGE_SECONDS + 1) * 1000);
    const unseenStatuses = await Promise.all(
      api.map((replica) => viewerStatus(replica.url, unseen)),
    );
    await sleep(Math.max(0, AUTH_OUTAGE_SECONDS * 1000 - (Date.now() - outageStarted)));
    const duringOutage = await stopLoad();
    table.push([
      'auth tier down: API requests, failed',
      `${duringOutage.requests}, ${duringOutage.failed}`,
    ]);
    table.push(['  sign-in through the balancer', String(loginDuringOutage.status)]);
    table.push(['  a never-seen token, each replica (stale key set)', unseenStatuses.join(', ')]);
    check(
      `with the auth tier down ${AUTH_OUTAGE_SECONDS} s, valid tokens keep working`,
      duringOutage.failed === 0 &&
        duringOutage.requests > 0 &&
        unseenStatuses.every((s) => s === 200),
      `${duringOutage.failed} failed of ${duringOutage.requests}; unseen token: ${unseenStatuses.join(', ')}`,
    );
    check(
      'sign-in fails cleanly while the auth tier is down',
      loginDuringOutage.status === 503,
      `HTTP ${loginDuringOutage.status}`,
    );

    // 4. Rotation, step by step as docs/deployment.md (Keys) writes it, under load with an
    // old-key token: the three replicas on JWKS_URL, and one more on JWT_PUB_KEY_FILE.
    say(
      'The auth tier back with the first key; an API process on JWT_PUB_KEY_FILE beside the replicas',
    );
    await startAuthTier({ JWT_PRIV_KEY_FILE: oldKey.privatePath });
    await waitUntil(
      'the auth tier to be UP again',
      async () => (await serverUp('auth/auth1')) && (await serverUp('auth/auth2')),
    );
    await restartApiOnKeyFile(oldKey.publicPath);
    say(
      'Rotation as documented, under load: a new pair, publish its public key, then sign with it',
    );
    stopLoad = startLoad(publicUrl, oldToken);
    const rotationBegun = Date.now();
    // Step 1: a new pair with the documented command.
    const newKey = await keyPairFromCli(keysDir);
    // Step 2: publish the new public key before anything signs with it.
    const bothPublic = join(keysDir, 'both-public.pem');
    writeFileSync(bothPublic, oldKey.publicPem + newKey.publicPem);
    await restartApiOnKeyFile(bothPublic);
    await restartAuthTier({
      JWT_PRIV_KEY_FILE: oldKey.privatePath,
      JWT_PUB_KEY_FILE: newKey.publicPath,
    });
    // Step 3: sign with the new key, still publishing the old one for the tokens it signed.
    await restartAuthTier({
      JWT_PRIV_KEY_FILE: newKey.privatePath,
      JWT_PUB_KEY_FILE: oldKey.publicPath,
    });
    const rotationMs = Date.now() - rotationBegun;
    const rotatedSignIn = await login(publicUrl, JANE.username, JANE.password);
    const newToken = accessToken(rotatedSignIn);
    const newKid = JSON.parse(Buffer.from(newToken.split('.')[0], 'base64url').toString()).kid;
    const everyApi = () => [...api, ...fileTier];
    const newStatuses = await Promise.all(
      everyApi().map((replica) => viewerStatus(replica.url, newToken)),
    );
    // A user who signed in just before the switch: an old-key token no process has seen.
    const unseenOld = await signAs(oldKey, 900, 'old-key-unseen-after-rotation');
    const unseenOldStatuses = await Promise.all(
      everyApi().map((replica) => viewerStatus(replica.url, unseenOld)),
    );
    const rotation = await stopLoad();
    table.push([
      'rotation as documented, under load: requests, failed',
      `${rotation.requests}, ${rotation.failed} (steps 1-3 took ${rotationMs} ms)`,
    ]);
    table.push([
      '  a new token (new kid): api1, api2, api3 (JWKS_URL), api-file (JWT_PUB_KEY_FILE)',
      `${newKid === newKey.kid ? 'new kid' : 'OLD kid'}: ${newStatuses.join(', ')}`,
    ]);
    table.push([
      '  an old-key token no process had seen, after the switch',
      unseenOldStatuses.join(', '),
    ]);
    check(
      'the documented rotation logs nobody out, on JWKS_URL and on JWT_PUB_KEY_FILE',
      rotation.failed === 0 &&
        rotation.requests > 0 &&
        newKid === newKey.kid &&
        newStatuses.every((s) => s === 200) &&
        unseenOldStatuses.every((s) => s === 200),
      `${rotation.failed} failed of ${rotation.requests} (${rotation.kinds}); new key: ${newStatuses.join(', ')}; unseen old-key token: ${unseenOldStatuses.join(', ')}`,
    );

    // 5. Step 4 of the runbook (after JWT_TTL in production): the old key is dropped.
    say('Dropping the old key (runbook step 4)');
    /** Until each process refuses what `token()` gives; the times, in ms from `since`. */
    const refusedBy = (processes: BenchProcess[], token: () => Promise<string>, since: number) =>
      Promise.all(
        processes.map((replica) =>
          waitUntil(
            'a token to be refused',
            async () => (await viewerStatus(replica.url, await token())) === 401,
            (JWKS_CACHE_MAX_AGE_SECONDS + 30) * 1000,
          ).then(() => Date.now() - since),
        ),
      );
    // A token of the old key that every process has verified (and cached) before the drop.
    const cachedOld = await signAs(oldKey, 900, 'old-key-cached');
    await Promise.all(everyApi().map((replica) => viewerStatus(replica.url, cachedOld)));
    await restartAuthTier({ JWT_PRIV_KEY_FILE: newKey.privatePath });
    await restartApiOnKeyFile(newKey.publicPath);
    const dropped = Date.now();
    const freshRefusedMs = await refusedBy(
      everyApi(),
      () => signAs(oldKey, 900, `fresh-old-${Date.now()}`),
      dropped,
    );
    const cachedRefusedMs = await refusedBy(everyApi(), async () => cachedOld, dropped);
    const newStill = await Promise.all(
      everyApi().map((replica) => viewerStatus(replica.url, newToken)),
    );
    table.push([
      'old key dropped: until every process refuses a fresh / a cached old-key token (ms)',
      `${Math.max(...freshRefusedMs)} / ${Math.max(...cachedRefusedMs)} (cached: ${cachedRefusedMs.join(', ')})`,
    ]);
    check(
      `every process refuses the dropped key within JWKS_CACHE_MAX_AGE (${JWKS_CACHE_MAX_AGE_SECONDS} s), tokens it verified before included`,
      Math.max(...freshRefusedMs, ...cachedRefusedMs) <= (JWKS_CACHE_MAX_AGE_SECONDS + 5) * 1000 &&
        newStill.every((s) => s === 200),
      `fresh ${freshRefusedMs.join(', ')} ms; cached ${cachedRefusedMs.join(', ')} ms; new key: ${newStill.join(', ')}`,
    );

    // 6. The signing key leaked: the procedure of docs/deployment.md (Keys, a leaked key).
    say('Leaked key: the auth tier restarted at once on a new key, the leaked one withdrawn');
    const leaked = newKey;
    const victimSignIn = await login(publicUrl, JANE.username, JANE.password);
    const leakedToken = accessToken(victimSignIn);
    const victimRefresh = cookieValue(victimSignIn, 'refresh');
    // What a holder of the leaked key could mint, and what users hold: both verified everywhere.
    const minted = await signAs(leaked, 900, 'minted-with-the-leaked-key');
    const beforeLeak = await Promise.all(
      everyApi().flatMap((replica) => [
        viewerStatus(replica.url, leakedToken),
        viewerStatus(replica.url, minted),
      ]),
    );
    // Step 1: a new pair. Step 2: every auth process on it alone, restarted together.
    const freshKey = await keyPairFromCli(keysDir);
    await stopAuthTier();
    for (const p of auth) started.splice(started.indexOf(p), 1);
    await startAuthTier({ JWT_PRIV_KEY_FILE: freshKey.privatePath });
    const withdrawnAt = Date.now();
    // Meanwhile the user's request with the leaked key's token, on every process, until refused.
    const leakedRefused = refusedBy(api, async () => leakedToken, withdrawnAt);
    // Step 3: processes on JWT_PUB_KEY_FILE get the new public key alone.
    await restartApiOnKeyFile(freshKey.publicPath);
    const fileProcessOnLeaked = await viewerStatus(fileTier[0].url, leakedToken);
    // Step 4, what users see: their next request is refused, and their client refreshes with the
    // refresh cookie (sent with the access cookie, as a browser does), which no key signs; a
    // minted token comes without one.
    await waitUntil(
      'the auth tier to be UP again',
      async () => (await serverUp('auth/auth1')) && (await serverUp('auth/auth2')),
    );
    const refreshed = await fetch(`${publicUrl}/auth/refresh`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: `${COOKIE}=${leakedToken}; refresh=${victimRefresh}`,
      },
      body: '{}',
    });
    const refreshMinted = await fetch(`${publicUrl}/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `${COOKIE}=${minted}` },
      body: '{}',
    });
    await refreshMinted.arrayBuffer();
    const liveToken = refreshed.status === 200 ? accessToken(refreshed) : '';
    const liveKid = liveToken
      ? JSON.parse(Buffer.from(liveToken.split('.')[0], 'base64url').toString()).kid
      : undefined;
    // Users carrying new tokens reach every replica: each then fetches the set without the leaked key.
    const liveAcceptedMs = await Promise.all(
      everyApi().map((replica) =>
        waitUntil(
          'a token of the new key to be accepted',
          async () => (await viewerStatus(replica.url, liveToken)) === 200,
          40_000,
        ).catch(() => -1),
      ),
    );
    const liveStatuses = await Promise.all(
      everyApi().map((replica) => viewerStatus(replica.url, liveToken)),
    );
    const leakedRefusedMs = await leakedRefused;
    const mintedRefused = await Promise.all(
      everyApi().map((replica) => viewerStatus(replica.url, minted)),
    );
    table.push([
      'leaked key: until every JWKS_URL replica refuses a token it had verified with it (ms)',
      `${Math.max(...leakedRefusedMs)} (${leakedRefusedMs.join(', ')}); api-file, restarted on the new key: ${fileProcessOnLeaked} from its start`,
    ]);
    table.push([
      '  users: refresh with their session / with a minted token; new kid, every process',
      `${refreshed.status} / ${refreshMinted.status}; ${liveKid === freshKey.kid ? 'new kid' : 'OLD kid'}, ${liveStatuses.join(', ')} (accepted after ${liveAcceptedMs.join(', ')} ms)`,
    ]);
    table.push([
      '  a token minted with the leaked key: before / after, every process',
      `${beforeLeak.filter((_, i) => i % 2 === 1).join(', ')} / ${mintedRefused.join(', ')}`,
    ]);
    check(
      'a leaked key is refused everywhere, cached tokens included; a minted token cannot be refreshed; users refresh into the new key',
      beforeLeak.every((s) => s === 200) &&
        Math.max(...leakedRefusedMs) <= (JWKS_CACHE_MAX_AGE_SECONDS + 5) * 1000 &&
        fileProcessOnLeaked === 401 &&
        mintedRefused.every((s) => s === 401) &&
        refreshed.status === 200 &&
        refreshMinted.status === 401 &&
        liveKid === freshKey.kid &&
        liveStatuses.every((s) => s === 200),
      `refused after ${leakedRefusedMs.join(', ')} ms (api-file ${fileProcessOnLeaked} from its start); minted: ${mintedRefused.join(', ')}; refresh ${refreshed.status}/${refreshMinted.status}; refreshed token: ${liveStatuses.join(', ')}`,
    );

    // 7. The sixth failed sign-in, whichever auth process receives it.
    say('Failed sign-ins for one username through the balancer');
    const authBefore = await haproxyStats(statsUrl);
    const failedStatuses: number[] = [];
    for (let i = 0; i < 6; i += 1)
      failedStatuses.push((await login(publicUrl, 'cluster-victim', 'wrong-password')).status);
    const authAfter = await haproxyStats(statsUrl);
    const perAuth = ['auth1', 'auth2'].map((name) => {
      const a = authAfter.get(`auth/${name}`)!;
      const b = authBefore.get(`auth/${name}`)!;
      return a.responses2xx + a.other - b.responses2xx - b.other;
    });
    const direct = await Promise.all(
      auth.map(async (p) => (await login(p.url, 'cluster-victim', 'wrong-password')).status),
    );
    table.push(['failed sign-ins 1-6 through the balancer', failedStatuses.join(', ')]);
    table.push(['  answered by auth1, auth2', perAuth.join(', ')]);
    table.push(['  a seventh, sent to each auth process directly', direct.join(', ')]);
    check(
      'the sixth failed sign-in for a username is refused whichever process receives it',
      failedStatuses.join() === '401,401,401,401,401,429' &&
        perAuth.every((n) => n > 0) &&
        direct.every((s) => s === 429),
      `${failedStatuses.join(', ')}; direct: ${direct.join(', ')}`,
    );

    // 8. Sign-out everywhere under load, and a reused refresh token.
    say('Sign-out everywhere for john01 while jane01 keeps the replicas busy');
    const replicas = api.map((replica) => replica.url);
    const johnSignIns = await Promise.all(
      [1, 2, 3].map(() => login(publicUrl, JOHN.username, JOHN.password)),
    );
    const johnTokens = johnSignIns.map(accessToken);
    const janeNow = accessToken(await login(publicUrl, JANE.username, JANE.password));
    const acceptedBefore = (
      await Promise.all(replicas.flatMap((r) => johnTokens.map((t) => statusWith(r, t))))
    ).every((status) => status === 200);
    stopLoad = startLoad(publicUrl, janeNow);
    await sleep(1_000);
    const signOutAt = Date.now();
    const signOut = await fetch(`${publicUrl}/auth/logout`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: `refresh=${cookieValue(johnSignIns[0], 'refresh')}`,
      },
      body: JSON.stringify({ scope: 'all' }),
    });
    const revokedAfter = await timeUntilRefused(replicas, johnTokens, signOutAt, 10_000);
    await sleep(1_000);
    const othersDuring = await stopLoad();
    const slowest = Math.max(...revokedAfter);
    table.push([
      'sign-out everywhere: time until every replica refuses (ms, p100; api1, api2, api3)',
      `${slowest} (${revokedAfter.join(', ')})`,
    ]);
    table.push([
      '  another user under load meanwhile: requests, failed',
      `${othersDuring.requests}, ${othersDuring.failed}`,
    ]);
    check(
      'sign-out everywhere reaches every replica within 2 s under load',
      acceptedBefore && signOut.status === 204 && slowest <= 2_000,
      `accepted before: ${acceptedBefore}; logout ${signOut.status}; refused by all after ${slowest} ms`,
    );
    check(
      "no other user's request failed meanwhile",
      othersDuring.failed === 0 && othersDuring.requests > 0,
      `${othersDuring.failed} failed of ${othersDuring.requests}`,
    );

    say('A refresh token used twice');
    const victim = await login(publicUrl, JOHN.username, JOHN.password);
    const firstRefresh = cookieValue(victim, 'refresh');
    const refresh = (value: string) =>
      fetch(`${publicUrl}/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: `refresh=${value}` },
        body: '{}',
      });
    const rotated = await refresh(firstRefresh);
    const sessionTokens = [accessToken(victim), accessToken(rotated)];
    const liveBefore = (
      await Promise.all(replicas.flatMap((r) => sessionTokens.map((t) => statusWith(r, t))))
    ).every((status) => status === 200);
    const reusedAt = Date.now();
    const reused = await refresh(firstRefresh);
    const reason = ((await reused.json()) as { reason?: string }).reason;
    const killedAfter = await timeUntilRefused(replicas, sessionTokens, reusedAt, 10_000);
    const newest = await refresh(cookieValue(rotated, 'refresh'));
    table.push([
      'reused refresh token: answer, time until every replica refuses the session (ms)',
      `${reused.status} ${reason}, ${Math.max(...killedAfter)} (${killedAfter.join(', ')})`,
    ]);
    check(
      'a reused refresh token kills its session on every replica',
      liveBefore &&
        rotated.status === 200 &&
        reused.status === 401 &&
        reason === 'revoked' &&
        Math.max(...killedAfter) <= 2_000 &&
        newest.status === 401,
      `reuse answered ${reused.status} ${reason}; refused everywhere after ${Math.max(...killedAfter)} ms; the newer refresh token: ${newest.status}`,
    );

    // 9. The same rolling restart behind nginx (docs/deployment.md's recipe).
    say('nginx in front of the same processes: rolling restart under load');
    const nginxDir = join(workDir, 'nginx');
    mkdirSync(nginxDir);
    writeFileSync(join(nginxDir, 'nginx.conf'), nginxConfig(nginxDir, ports));
    nginx = spawn(
      'nginx',
      ['-p', nginxDir, '-c', join(nginxDir, 'nginx.conf'), '-g', 'daemon off;'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let nginxErrors = '';
    nginx.stderr!.on('data', (chunk: Buffer) => (nginxErrors += chunk.toString()));
    const nginxExited = once(nginx, 'exit');
    started.push({
      stop: async () => {
        nginx?.kill('SIGTERM');
        await nginxExited;
      },
    });
    const nginxUrl = `http://127.0.0.1:${ports.nginx}`;
    await waitUntil(
      'nginx to answer',
      async () => (await viewerStatus(nginxUrl, liveToken)) === 200,
      10_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${nginxErrors}`);
    });
    // A client that claims another address in X-Forwarded-For: nginx replaces it with the real one.
    const spoofId = `cluster-spoof-${Date.now()}`;
    const spoofed = await fetch(`${nginxUrl}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: `${COOKIE}=${liveToken}`,
        'x-forwarded-for': '203.0.113.7',
        'x-request-id': spoofId,
      },
      body: QUERY,
    });
    await spoofed.arrayBuffer();
    const spoofLines = ['api1', 'api2', 'api3']
      .flatMap((name) => readFileSync(join(workDir, `${name}.log`), 'utf8').split('\n'))
      .filter((line) => line.includes(spoofId));
    // Subscribers behind nginx too; orders through HAProxy (nginx cannot resend a POST).
    const nginxLive = await startLiveOrders({
      baseUrl: nginxUrl,
      writeUrl: publicUrl,
      cookie: `${COOKIE}=${liveToken}`,
      count: 3,
      everyMs: 200,
    });
    nginxLive.startWriting();
    stopLoad = startLoad(nginxUrl, liveToken, NGINX_LOAD);
    const nginxRestartTimes: number[] = [];
    for (const [i, name] of ['api1', 'api2', 'api3'].entries()) {
      const begun = Date.now();
      await api[i].stop();
      started.splice(started.indexOf(api[i]), 1);
      await startApi(i);
      nginxRestartTimes.push(Date.now() - begun);
      say(`  ${name} restarted behind nginx and ready in ${nginxRestartTimes.at(-1)} ms`);
    }
    // The last replica back in service for a moment before the load stops.
    await sleep(1_000);
    const nginxRolling = await stopLoad();
    const nginxDelivery = await nginxLive.finish();
    table.push([
      `nginx: rolling restart (${NGINX_LOAD} queries), requests, failed`,
      `${nginxRolling.requests}, ${nginxRolling.failed}`,
    ]);
    table.push(['  each replica: SIGTERM to ready again (ms)', nginxRestartTimes.join(', ')]);
    table.push([
      '  live orders through nginx: events due, delivered, duplicated; 1001 closes, reconnects; missed while reconnecting',
      `${nginxDelivery.due}, ${nginxDelivery.delivered}, ${nginxDelivery.duplicates}; ${nginxDelivery.closedGoingAway}, ${nginxDelivery.reconnects}; ${nginxDelivery.missedWhileReconnecting}`,
    ]);
    table.push([
      '  a spoofed X-Forwarded-For (203.0.113.7) in the replica log',
      spoofLines.length === 0
        ? 'request not logged'
        : String(spoofLines.some((l) => l.includes('203.0.113.7'))),
    ]);
    check(
      'behind nginx (passive checks, proxy_next_upstream) a rolling restart fails no request',
      nginxRolling.failed === 0 && nginxRolling.requests > 0,
      `${nginxRolling.failed} failed of ${nginxRolling.requests} (${nginxRolling.kinds})`,
    );
    check(
      'behind nginx, subscribers get every order once while connected and reconnect after 1001',
      nginxDelivery.created > 0 &&
        nginxDelivery.failedCreates === 0 &&
        nginxDelivery.due > 0 &&
        nginxDelivery.lost === 0 &&
        nginxDelivery.duplicates === 0 &&
        nginxDelivery.unexpected === 0 &&
        nginxDelivery.closedOtherwise === 0 &&
        nginxDelivery.reconnects === nginxDelivery.closedGoingAway &&
        nginxDelivery.subscribersMoved === 3 &&
        nginxDelivery.connectedAtEnd === 3,
      `${nginxDelivery.delivered} of ${nginxDelivery.due} delivered, ${nginxDelivery.duplicates} duplicated, ${nginxDelivery.unexpected} unexpected; ${nginxDelivery.closedGoingAway} closed with 1001 (${nginxDelivery.closedOtherwise} otherwise), ${nginxDelivery.reconnects} reconnected, ${nginxDelivery.connectedAtEnd} of 3 connected at the end`,
    );
    check(
      'nginx passes the client address, not the one the client claims (TRUST_PROXY)',
      spoofed.status === 200 &&
        spoofLines.length > 0 &&
        !spoofLines.some((line) => line.includes('203.0.113.7')),
      `HTTP ${spoofed.status}; ${spoofLines.length} log line(s) of the request, spoofed address ${spoofLines.some((l) => l.includes('203.0.113.7')) ? 'present' : 'absent'}`,
    );
  } catch (error) {
    if (!interrupted) check('the cluster ran to the end', false, (error as Error).message);
  } finally {
    clearTimeout(deadline);
    if (!interrupted) {
      say('Stopping everything');
      await stopAll();
      report(workDir);
    }
  }
}

function report(workDir: string): void {
  console.log('\n| measured | value |\n|---|---|');
  for (const [name, value] of table) console.log(`| ${name} | ${value} |`);
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  if (failed > 0) {
    console.log(`\nProcess logs: ${workDir}`);
    for (const file of ['api1', 'api2', 'api3', 'auth1', 'auth2']) {
      try {
        console.log(
          `--- ${file}.log (tail)\n${readFileSync(join(workDir, `${file}.log`), 'utf8').slice(-1500)}`,
        );
      } catch {
        // never started
      }
    }
  } else {
    rmSync(workDir, { recursive: true, force: true });
  }
  const summary = process.env.TEST_SUMMARY_FILE;
  if (summary)
    writeFileSync(summary, `${JSON.stringify({ passed, failed, skipped: 0 })}\n`, { flag: 'a' });
  console.log(`\n${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

void main();
