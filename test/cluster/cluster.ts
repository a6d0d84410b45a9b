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
 *   4. key rotation: the auth tier starts signing with a new key; every
 *      replica accepts both keys without a restart, and refuses the old one
 *      once it is withdrawn from the JWKS (and a token it had verified, once
 *      that token expires);
 *   5. the sixth failed sign-in for one username is refused whichever auth
 *      process receives it;
 *   6. sign-out everywhere under load: a user's tokens in use on every
 *      replica are refused by all of them within 2 s (the revocation feed;
 *      the time is the slowest replica's, p100), while no request of another
 *      user fails; a reused refresh token ends its session on every replica.
 * Prints a table and `N passed, N failed`; exits non-zero on any failure.
 * `--drain 0` runs the replicas without SHUTDOWN_DRAIN_DELAY (to see what it
 * prevents). Bounded: it gives up after `--timeout` seconds (default 300). Ctrl-C stops
 * everything it started. Process logs stay in a temporary folder, printed at
 * the end.
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT } from 'jose';
import { createPrivateKey } from 'node:crypto';
import { generatePemKeyPair, parseSigningKey } from '../../src/auth/keys/key-material';
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

const TIMEOUT_SECONDS = numberFlag('timeout', 300);
const AUTH_OUTAGE_SECONDS = numberFlag('auth-outage', 20);
const CONNECTIONS = 4;
/** WebSocket subscribers of live orders through the balancer: two per replica with round robin. */
const LIVE_SUBSCRIBERS = 6;
/** Replicas drain this long after SIGTERM: above HAProxy's inter × fall (300 ms × 2). `--drain 0` shows why. */
const DRAIN = textFlag('drain', '1500ms');
/** A withdrawn key is refused once the replicas' copy of the key set is this old. */
const JWKS_CACHE_MAX_AGE_SECONDS = 5;
const ISSUER = 'user-order-auth';
const AUDIENCE = 'user-order-api';
const JANE = { id: '1E4Yo11Y3r9a', username: 'jane01', password: 'jane01-dev-password' };
const JOHN = { username: 'john01', password: 'john01-dev-password' };
/** Production's access cookie (no COOKIE_DOMAIN): `__Host-` so a sibling sub-domain cannot plant one. */
const COOKIE = '__Host-token';
const QUERY = JSON.stringify({ query: 'query ClusterViewer { viewer { username } }' });
const EXPECTED_BODY = '{"data":{"viewer":{"username":"jane01"}}}';

interface KeyPair {
  readonly kid: string;
  readonly privatePem: string;
  readonly publicPem: string;
}

const results: { check: string; ok: boolean; detail: string }[] = [];
const table: [string, string][] = [];
function check(name: string, ok: boolean, detail: string): void {
  results.push({ check: name, ok, detail });
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}: ${detail}`);
}
const say = (message: string) =>
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
const b64 = (text: string) => Buffer.from(text).toString('base64');

async function keyPair(): Promise<KeyPair> {
  const pair = generatePemKeyPair('ES256');
  const parsed = await parseSigningKey(pair.privateKey, 'ES256');
  return { kid: parsed.kid, privatePem: pair.privateKey, publicPem: pair.publicKey };
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

/** Steady load through the balancer until `stop()`; every non-2xx, error, timeout or wrong body is a failure. */
function startLoad(url: string, token: string) {
  let wrongBodies = 0;
  let finished: (result: autocannon.Result) => void;
  const done = new Promise<autocannon.Result>((resolve) => (finished = resolve));
  const instance = autocannon(
    {
      url: `${url}/graphql`,
      connections: CONNECTIONS,
      duration: 3600,
      timeout: 10,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie: `${COOKIE}=${token}` },
          body: QUERY,
          onResponse: (status: number, body: string) => {
            if (status === 200 && body.trim() !== EXPECTED_BODY) wrongBodies += 1;
          },
        },
      ],
    },
    (error, result) => (error ? finished({ errors: 1 } as autocannon.Result) : finished(result)),
  );
  return async () => {
    instance.stop();
    const result = await done;
    return {
      requests: result.requests?.total ?? 0,
      failed: (result.errors ?? 0) + (result.timeouts ?? 0) + (result.non2xx ?? 0) + wrongBodies,
      rps: Math.round(result.requests?.average ?? 0),
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

async function main(): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'cluster-'));
  const started: { stop(): Promise<void> }[] = [];
  let database: RunningDatabase | undefined;
  let haproxy: ChildProcess | undefined;
  const stopAll = async () => {
    haproxy?.kill('SIGKILL');
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
    const oldKey = await keyPair();
    const newKey = await keyPair();

    const ports = {
      public: await freePort(),
      stats: await freePort(),
      auth: [await freePort(), await freePort()],
      api: [await freePort(), await freePort(), await freePort()],
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
      const child = await startNodeProcess({
        script,
        nodeArgs,
        port,
        env: { ...common, ...env },
        logFile: join(workDir, `${name}${index + 1}.log`),
        readyPath: '/health/ready',
      });
      tier[index] = child;
      started.push(child);
      return child;
    };
    const auth: BenchProcess[] = [];
    const startAuthTier = (signing: KeyPair, published: readonly KeyPair[]) =>
      Promise.all(
        ports.auth.map((port, i) =>
          startMember(auth, 'auth', port, i, {
            APP_ROLE: 'auth',
            JWT_PRIV_KEY_B64: b64(signing.privatePem),
            JWT_PUB_KEY_B64: b64(published.map((key) => key.publicPem).join('')),
            LOGIN_RATE_LIMIT_PER_USERNAME: '5',
            LOGIN_RATE_LIMIT_PER_ADDRESS: '10000',
          }),
        ),
      );
    const stopAuthTier = () => Promise.all(auth.map((p) => p.stop()));
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
    await startAuthTier(oldKey, [oldKey]);
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
      `${rolling.failed} failed of ${rolling.requests}`,
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

    // 4. Rotation: sign with the new key, publish both.
    say('Rotation: the auth tier restarts signing with a new key (old and new published)');
    await startAuthTier(newKey, [oldKey, newKey]);
    await waitUntil(
      'the auth tier to be UP again',
      async () => (await serverUp('auth/auth1')) && (await serverUp('auth/auth2')),
    );
    const rotatedSignIn = await login(publicUrl, JANE.username, JANE.password);
    const newToken = accessToken(rotatedSignIn);
    const newKid = JSON.parse(Buffer.from(newToken.split('.')[0], 'base64url').toString()).kid;
    const rotationStarted = Date.now();
    const acceptMs = await Promise.all(
      api.map((replica) =>
        waitUntil(
          'the new key to be accepted',
          async () => (await viewerStatus(replica.url, newToken)) === 200,
          60_000,
        ),
      ),
    );
    const timeToAccept = Date.now() - rotationStarted;
    // A token of the old key, verified by every replica now, expiring soon: it lives until its exp.
    const expiringOld = await signAs(oldKey, 12, 'old-key-expiring');
    const expiringOldAt = Date.now() + 12_000;
    const oldStatuses = await Promise.all(
      api.map((replica) => viewerStatus(replica.url, oldToken)),
    );
    const expiringStatuses = await Promise.all(
      api.map((replica) => viewerStatus(replica.url, expiringOld)),
    );
    table.push(['rotation: new tokens carry the new kid', String(newKid === newKey.kid)]);
    table.push([
      '  time until every replica accepts the new key (ms)',
      `${timeToAccept} (${acceptMs.join(', ')})`,
    ]);
    check(
      'every replica accepts the new key without a restart, and the old one still',
      newKid === newKey.kid &&
        oldStatuses.every((s) => s === 200) &&
        expiringStatuses.every((s) => s === 200),
      `new key accepted after ${timeToAccept} ms; old-key tokens: ${oldStatuses.join(', ')}`,
    );

    // 5. Withdrawal: only the new key is published.
    say('Withdrawing the old key from the JWKS');
    await stopAuthTier();
    for (const p of auth) started.splice(started.indexOf(p), 1);
    await startAuthTier(newKey, [newKey]);
    const withdrawn = Date.now();
    const refuseMs = await Promise.all(
      api.map((replica, i) =>
        waitUntil(
          'the withdrawn key to be refused',
          async () =>
            (await viewerStatus(
              replica.url,
              `${await signAs(oldKey, 900, `fresh-old-${i}-${Date.now()}`)}`,
            )) === 401,
          (JWKS_CACHE_MAX_AGE_SECONDS + 30) * 1000,
        ),
      ),
    );
    const timeToRefuse = Date.now() - withdrawn;
    // The old-key token verified before the withdrawal: accepted from the cache until its exp.
    const cachedBeforeExp = await Promise.all(
      api.map((replica) => viewerStatus(replica.url, expiringOld)),
    );
    await sleep(Math.max(0, expiringOldAt - Date.now() + 1_000));
    const cachedAfterExp = await Promise.all(
      api.map((replica) => viewerStatus(replica.url, expiringOld)),
    );
    const newStill = await Promise.all(api.map((replica) => viewerStatus(replica.url, newToken)));
    table.push([
      'withdrawal: time until every replica refuses the old key (ms)',
      `${timeToRefuse} (${refuseMs.join(', ')})`,
    ]);
    table.push([
      '  an old-key token verified before: before / after its exp',
      `${cachedBeforeExp.join(', ')} / ${cachedAfterExp.join(', ')}`,
    ]);
    check(
      `every replica refuses the withdrawn key within JWKS_CACHE_MAX_AGE (${JWKS_CACHE_MAX_AGE_SECONDS} s) and its tokens once expired`,
      timeToRefuse <= (JWKS_CACHE_MAX_AGE_SECONDS + 5) * 1000 &&
        cachedAfterExp.every((s) => s === 401) &&
        newStill.every((s) => s === 200),
      `refused after ${timeToRefuse} ms; verified token after exp: ${cachedAfterExp.join(', ')}; new key: ${newStill.join(', ')}`,
    );

    // 6. The sixth failed sign-in, whichever auth process receives it.
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

    // 7. Sign-out everywhere under load, and a reused refresh token.
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
