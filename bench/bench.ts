/**
 * `npm run bench [-- --quick] [--users N --orders N --depth N --duration S
 * --warmup S --rounds N --connections N --list-connections N --probes N
 * --alg ES256|RS256|PS256 --scenarios S1,S2,... --memory --record
 * --api-env NAME=VALUE,... --baseline DIR]`: the API measured side
 * by side with its physical references, in one run on one machine.
 *
 * Starts a throwaway embedded database, seeds generated data through the seed
 * CLI, then drives each server over loopback with autocannon (fixed
 * connections, warm-up, fixed duration, bounded timeouts). The references
 * (S0 raw node:http, S1 bare Apollo on Fastify, S1t the stack a NestJS team
 * writes by default checking the same cookie, and in a full run S1n, the
 * smallest NestJS + Apollo app; bench/reference-servers.ts) and the built
 * service in production mode, started as `npm start` starts it (S2, and in a
 * full run S2m with metrics on), all run at once and are
 * measured in interleaved rounds, so drift on a noisy machine hits them alike;
 * the ratios come from the medians. The database scenarios (S4 to S7) follow,
 * one round each. Prints a table, writes bench/results/runs/latest.{json,md}
 * (git-ignored; `--record` also replaces the committed bench/results/latest.md),
 * and exits non-zero if any request failed. Never part of npm test.
 */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mongo } from 'mongoose';
import { generatePemKeyPair } from '../src/auth/keys/key-material';
import { toGlobalId } from '../src/common/ids';
import { encodeCursor, resolveSort } from '../src/common/pagination/keyset';
import { JWT_ALGORITHMS, type JwtAlgorithm } from '../src/config/environment';
import { REVOCATION_COLLECTION } from '../src/auth/sessions/revocation.schema';
import { SESSION_COLLECTION } from '../src/auth/sessions/session.schema';
import { startEmbeddedDatabase } from '../src/database/embedded/embedded-database';
import { RATE_LIMIT_COLLECTION } from '../src/rate-limits/mongo-counter-collection';
import { USER_SORTABLE } from '../src/users/users.service';
import {
  cleanUpOnInterrupt,
  cpuMicroseconds,
  freePort,
  ROOT,
  seedByProcess,
  startNodeProcess,
  environmentOf,
  npmStartCommand,
  tokenCookie,
  rssKiB,
  watchPeakRss,
  type BenchProcess,
} from './support/processes';
import { hasFlag, numberFlag, textFlag } from './support/cli';
import { startCommandTap, type CommandTap } from './support/command-tap';
import { median, signatureCheckMicroseconds } from './support/measure';

const QUICK = hasFlag('quick');

// A quick run halves the data, so that it stays under two minutes with the build.
const USERS = numberFlag('users', QUICK ? 5_000 : 10_000);
const ORDERS = numberFlag('orders', QUICK ? 15_000 : 30_000);
const DEPTH = numberFlag('depth', QUICK ? 4_500 : 9_000);
const DURATION = numberFlag('duration', QUICK ? 3 : 6);
const WARMUP = numberFlag('warmup', QUICK ? 1 : 3);
const ROUNDS = Math.max(1, numberFlag('rounds', QUICK ? 2 : 3));
const CONNECTIONS = numberFlag('connections', 50);
// Connections for the list scenarios (S5, S6a, S6). FerretDB's SQLite backend
// answers each of them with a collection scan (no filter, sort or limit
// pushdown), so 50 at once would only measure a queue; on MongoDB they get --connections.
const LIST_CONNECTIONS_FLAG = hasFlag('list-connections')
  ? numberFlag('list-connections', 4)
  : undefined;
const PROBES = Math.max(1, numberFlag('probes', QUICK ? 1 : 3));
const ALG = textFlag('alg', 'ES256') as JwtAlgorithm;
if (!JWT_ALGORITHMS.includes(ALG)) {
  console.error(`--alg takes one of ${JWT_ALGORITHMS.join(', ')}`);
  process.exit(2);
}
// Settings for every API process of the run, to compare one setting across runs
// (e.g. --api-env MALLOC_ARENA_MAX=2, an option of docs/deployment.md).
const API_ENV_WORDS = textFlag('api-env', '').split(',').filter(Boolean);
// Checked as words: environmentOf() would read `FOO` (no `=`) as FO=FOO.
if (API_ENV_WORDS.some((word) => !/^[A-Z][A-Z0-9_]*=/.test(word))) {
  console.error('--api-env takes NAME=VALUE pairs separated by commas');
  process.exit(2);
}
const API_ENV = environmentOf(API_ENV_WORDS);
// Another build of the service (a checkout whose dist/ is built, e.g. main without a change),
// measured as S2b beside S2: what the change costs, side by side.
const BASELINE = textFlag('baseline', '');
const ALL_SCENARIOS = ['S0', 'S1', 'S1n', 'S1t', 'S2', 'S2m', 'S2b', 'S4', 'S5', 'S6a', 'S6', 'S7'];
// S1n (the smallest NestJS + Apollo app) and S2m (S2 with metrics on) are extra comparisons,
// left out of a quick run.
const DEFAULT_SCENARIOS = ALL_SCENARIOS.filter(
  (id) => !(QUICK && (id === 'S1n' || id === 'S2m')) && (id !== 'S2b' || BASELINE !== ''),
);
// --memory: the service against the smallest NestJS + Apollo app, idle and under load.
const SCENARIOS = new Set(
  textFlag('scenarios', hasFlag('memory') ? 'S1n,S2' : DEFAULT_SCENARIOS.join(','))
    .split(',')
    .filter((id) => ALL_SCENARIOS.includes(id)),
);
const partial = DEFAULT_SCENARIOS.some((id) => !SCENARIOS.has(id));
/** How `npm start` runs the service: every API process of the run is started the same way. */
const NPM_START = npmStartCommand();
/** How long the servers rest after the S0 to S2m rounds before their RSS is read again. */
const AFTER_LOAD_IDLE_MS = 10_000;
/** Orders of the bench viewer: more than the largest page S5 asks for. */
const VIEWER_ORDERS = 60;
const LINES_PER_ORDER = 10;

interface Request {
  readonly body: string;
  readonly headers: Record<string, string>;
  /** False when a 200 response still carries a failure (GraphQL errors, a completion code). */
  readonly ok: (body: string) => boolean;
}

interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly server: BenchProcess;
  readonly serverName: string;
  readonly request: Request;
  readonly connections: number;
  /** Run until this many responses instead of for a fixed time (slow scenarios). */
  readonly amount?: number;
  /** Whether the database is asked how many commands one request costs. */
  readonly countCommands: boolean;
}

interface Run {
  readonly requests: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly peakRssKiB: number;
  /** The server's CPU time per completed request. */
  readonly cpuMicrosPerRequest: number;
}

interface Measurement {
  readonly id: string;
  readonly title: string;
  readonly server: string;
  readonly connections: number;
  readonly rounds: number;
  readonly requests: number;
  /** Medians over the rounds. */
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly rpsPerRound: number[];
  readonly errors: number;
  readonly dbCommandsPerRequest: number | null;
  readonly peakRssMB: number;
  /** The server process's CPU time per completed request (median over the rounds). */
  readonly cpuMicrosPerRequest: number;
}

const noGraphQLErrors = (body: string) => !body.includes('"errors":');

function graphql(query: string, cookie?: string, variables?: Record<string, unknown>): Request {
  return {
    body: JSON.stringify({ query, variables }),
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    ok: noGraphQLErrors,
  };
}

/** One autocannon run over loopback; a 200 whose body reports a failure counts as an error. */
async function load(scenario: Scenario, seconds: number, warmUp = false): Promise<Run> {
  let failedBodies = 0;
  const memory = watchPeakRss(scenario.server.pid);
  const cpuBefore = cpuMicroseconds(scenario.server.pid);
  const amount =
    scenario.amount === undefined ? undefined : warmUp ? scenario.connections : scenario.amount;
  const result = await autocannon({
    url: `${scenario.server.url}/graphql`,
    connections: scenario.connections,
    ...(amount === undefined ? { duration: seconds } : { amount }),
    timeout: 60,
    requests: [
      {
        method: 'POST',
        headers: scenario.request.headers,
        body: scenario.request.body,
        onResponse: (status: number, body: string) => {
          if (status === 200 && !scenario.request.ok(body)) failedBodies += 1;
        },
      },
    ],
  });
  return {
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    // A run in which nothing completed measured nothing: that is a failure too.
    errors:
      result.errors +
      result.timeouts +
      result.non2xx +
      failedBodies +
      (result.requests.total === 0 ? 1 : 0),
    peakRssKiB: memory.stop(),
    cpuMicrosPerRequest: Math.round(
      (cpuMicroseconds(scenario.server.pid) - cpuBefore) / Math.max(1, result.requests.total),
    ),
  };
}

/** Commands of the driver's monitoring and connection handshakes. */
const NOT_REQUEST_COMMANDS = new Set([
  'hello',
  'isMaster',
  'ismaster',
  'ping',
  'buildInfo',
  'endSessions',
  'saslStart',
  'saslContinue',
]);

/**
 * The API's background work, on a timer whatever the requests: the revocation
 * feed's reads (once a second) and the expiry sweeps (once a minute).
 */
const BACKGROUND_COMMANDS = new Set([
  `find ${REVOCATION_COLLECTION}`,
  `delete ${REVOCATION_COLLECTION}`,
  `delete ${SESSION_COLLECTION}`,
  `delete ${RATE_LIMIT_COLLECTION}`,
]);

/** Commands the API processes have sent the database, minus monitoring and background work. */
function databaseCommands(tap: CommandTap): number {
  let total = 0;
  for (const [command, count] of tap.counts())
    if (!NOT_REQUEST_COMMANDS.has(command.split(' ')[0]) && !BACKGROUND_COMMANDS.has(command))
      total += count;
  return total;
}

/**
 * Waits until the requests autocannon left in flight have finished their
 * database work (the command count holds still), so the next probe counts
 * only its own.
 */
async function quiet(tap: CommandTap): Promise<void> {
  let last = databaseCommands(tap);
  for (let waited = 0; waited < 120_000; waited += 500) {
    await sleep(500);
    const now = databaseCommands(tap);
    if (now === last) return;
    last = now;
  }
}

/** Database commands per request, from a few requests sent one at a time. */
async function commandsPerRequest(tap: CommandTap, url: string, request: Request): Promise<number> {
  const before = databaseCommands(tap);
  for (let i = 0; i < PROBES; i += 1) {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
    });
    const text = await response.text();
    if (response.status !== 200 || !request.ok(text))
      throw new Error(`probe failed (${response.status}): ${text.slice(0, 500)}`);
  }
  return Math.round((databaseCommands(tap) - before) / PROBES);
}

/**
 * Counts each scenario's database commands while nothing else runs, warms
 * each up, then runs them in `rounds` interleaved rounds and keeps the medians.
 */
async function measureAll(
  tap: CommandTap,
  scenarios: readonly Scenario[],
  rounds: number,
): Promise<Measurement[]> {
  const commands = new Map<string, number | null>();
  for (const scenario of scenarios)
    commands.set(
      scenario.id,
      scenario.countCommands
        ? await commandsPerRequest(tap, scenario.server.url, scenario.request)
        : null,
    );
  for (const scenario of scenarios) {
    // A quick run does not warm up the slow scenarios: their first requests are the warm-up.
    if (WARMUP > 0 && !(QUICK && scenario.amount !== undefined)) await load(scenario, WARMUP, true);
    await quiet(tap);
  }
  const runs = new Map<string, Run[]>(scenarios.map((scenario) => [scenario.id, []]));
  for (let round = 1; round <= rounds; round += 1) {
    // Each round starts one scenario later, so that none always runs right after the same one.
    const shift = (round - 1) % scenarios.length;
    for (const scenario of [...scenarios.slice(shift), ...scenarios.slice(0, shift)]) {
      const run = await load(scenario, DURATION);
      runs.get(scenario.id)!.push(run);
      await quiet(tap);
      console.log(
        `${scenario.id} round ${round}/${rounds}: ${run.requests} requests, ${run.rps} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, ${run.errors} errors`,
      );
    }
  }
  return scenarios.map((scenario) => {
    const own = runs.get(scenario.id)!;
    return {
      id: scenario.id,
      title: scenario.title,
      server: scenario.serverName,
      connections: scenario.connections,
      rounds: own.length,
      requests: own.reduce((sum, run) => sum + run.requests, 0),
      rps: Math.round(median(own.map((run) => run.rps))),
      p50: median(own.map((run) => run.p50)),
      p99: median(own.map((run) => run.p99)),
      rpsPerRound: own.map((run) => run.rps),
      errors: own.reduce((sum, run) => sum + run.errors, 0),
      dbCommandsPerRequest: commands.get(scenario.id) ?? null,
      peakRssMB: Math.round(Math.max(...own.map((run) => run.peakRssKiB)) / 1024),
      cpuMicrosPerRequest: median(own.map((run) => run.cpuMicrosPerRequest)),
    };
  });
}

/** Signs a throwaway user up and out everywhere: a revoked session and a user cut-off in every process. */
async function revokeASession(authUrl: string): Promise<void> {
  const signup = await fetch(`${authUrl}/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      username: 'bench.revoked',
      password: randomBytes(18).toString('base64url'),
      primary_email: 'bench.revoked@example.com',
    }),
  });
  const refresh = signup.headers
    .getSetCookie()
    .find((header) => header.startsWith('refresh='))
    ?.split(';')[0];
  const logout = await fetch(`${authUrl}/auth/logout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: refresh ?? '' },
    body: JSON.stringify({ scope: 'all' }),
  });
  if (signup.status !== 201 || logout.status !== 204)
    throw new Error(`revoking a session failed: sign-up ${signup.status}, logout ${logout.status}`);
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
  } catch {
    return 'unknown';
  }
}

const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && b > 0 ? Math.round((a / b) * 100) / 100 : null;

async function main(): Promise<void> {
  const started = Date.now();
  const workDir = mkdtempSync(join(tmpdir(), 'bench-'));
  const logFile = (name: string) => join(workDir, `${name}.log`);
  const database = await startEmbeddedDatabase({ dataDir: join(workDir, 'db'), throwaway: true });
  const uri = `${database.uri}bench`;
  const client = new mongo.MongoClient(uri);
  // The API processes reach the database through the tap, which counts their commands.
  const tap = await startCommandTap(database.uri);
  const servers: BenchProcess[] = [];
  const results: Measurement[] = [];
  const cleanUp = cleanUpOnInterrupt(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await client.close();
    await tap.stop();
    await database.stop();
    if (hasFlag('keep')) console.log(`Server logs kept in ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  });
  try {
    // Measured first, while the machine is otherwise idle.
    const signatureMicroseconds = await signatureCheckMicroseconds(ALG);
    await client.connect();
    const listConnections =
      LIST_CONNECTIONS_FLAG ?? (database.kind === 'ferretdb' ? 4 : CONNECTIONS);
    // On FerretDB a list request takes seconds: those scenarios run for a number of
    // requests rather than a time, so their latencies rest on more than a handful.
    const listAmount = database.kind === 'ferretdb' ? listConnections * (QUICK ? 1 : 5) : undefined;

    console.log(`Seeding ${USERS} users and ${ORDERS} orders (${database.kind})...`);
    const seedStarted = Date.now();
    await seedByProcess(uri, [
      '--users',
      String(USERS),
      '--orders',
      String(ORDERS),
      '--seed',
      '42',
    ]);
    const seedSeconds = (Date.now() - seedStarted) / 1000;

    const start = async (
      name: string,
      options: Omit<Parameters<typeof startNodeProcess>[0], 'logFile'>,
    ) => {
      const server = await startNodeProcess({ ...options, logFile: logFile(name) });
      servers.push(server);
      return server;
    };
    const reference = (mode: string) =>
      start(mode, {
        script: join(ROOT, 'dist-bench', 'bench', 'reference-servers.js'),
        args: [mode],
        env: { NODE_ENV: 'production' },
      });
    // This API as `npm start` runs it in production: its node options, logging at info.
    const pair = generatePemKeyPair(ALG);
    const api = (name: string, extra: Record<string, string> = {}, root = ROOT) =>
      start(name, {
        script: join(root, 'dist', 'main.js'),
        nodeArgs: NPM_START.nodeArgs,
        env: {
          ...NPM_START.env,
          NODE_ENV: 'production',
          LOG_LEVEL: 'info',
          LOG_PRETTY: 'false',
          MONGODB_URI: `${tap.uri}bench`,
          CORS_ORIGINS: 'https://app.example.com',
          JWT_ALG: ALG,
          JWT_PRIV_KEY_B64: Buffer.from(pair.privateKey).toString('base64'),
          JWT_PUB_KEY_B64: Buffer.from(pair.publicKey).toString('base64'),
          // One viewer sends every request: the per-viewer limit (600 a minute) would answer 429.
          GRAPHQL_RATE_LIMIT_PER_MINUTE: '10000000',
          // FerretDB scans a whole collection per list (S5 takes seconds): the queries' time
          // limit (maxTimeMS = DB_TIMEOUT, 2 s by default) would cut what is being measured.
          DB_TIMEOUT: '60s',
          ...API_ENV,
          ...extra,
        },
        readyPath: '/health/ready',
      });
    const raw = SCENARIOS.has('S0') ? await reference('raw') : undefined;
    const apollo = SCENARIOS.has('S1') ? await reference('apollo') : undefined;
    const nest = SCENARIOS.has('S1n') ? await reference('nest') : undefined;
    // Idle only: S1n connected through @nestjs/mongoose, what the required database library adds.
    const nestMongoose = SCENARIOS.has('S1n')
      ? await start('nest-mongoose', {
          script: join(ROOT, 'dist-bench', 'bench', 'reference-servers.js'),
          args: ['nest-mongoose'],
          env: { NODE_ENV: 'production', MONGODB_URI: uri },
        })
      : undefined;
    // The default NestJS stack, checking the cookie the API issues with the API's public key.
    const typical = SCENARIOS.has('S1t')
      ? await start('typical', {
          script: join(ROOT, 'dist-bench', 'bench', 'reference-servers.js'),
          args: ['typical'],
          env: {
            NODE_ENV: 'production',
            JWT_ALG: ALG,
            JWT_PUBLIC_KEY_PEM: pair.publicKey,
            // The name the API gives its cookie in production (docs/auth.md).
            COOKIE_NAME: '__Host-token',
          },
        })
      : undefined;
    const cached = await api('api');
    // Production leaves metrics off; this one serves them on a port of its own, as operators run it.
    const metered = SCENARIOS.has('S2m')
      ? await api('api-metrics', { METRICS_PORT: String(await freePort()) })
      : undefined;
    // Idle: started and ready, nothing asked yet; a moment for start-up garbage to go.
    await sleep(2_000);
    const idleRssMB = Object.fromEntries(
      (
        [
          ['S0 raw node:http', raw],
          ['S1 bare Apollo', apollo],
          ['S1n smallest NestJS + Apollo', nest],
          ['S1n connected to MongoDB through @nestjs/mongoose', nestMongoose],
          ['S1t default NestJS stack (Express, passport-jwt, pinoHttp)', typical],
          ['the API (production, MONGODB_URI)', cached],
        ] as const
      )
        .filter(([, server]) => server !== undefined)
        .map(([name, server]) => [name, Math.round(rssKiB(server!.pid) / 1024)]),
    );

    // The viewer signs up through the auth endpoint, then gets orders with many lines.
    const signup = await fetch(`${cached.url}/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        username: 'bench.viewer',
        password: randomBytes(18).toString('base64url'),
        primary_email: 'bench.viewer@example.com',
        full_name: 'Bench Viewer',
      }),
    });
    if (signup.status !== 201)
      throw new Error(`signup failed: ${signup.status} ${await signup.text()}`);
    const cookie = tokenCookie(signup);
    const viewerId = ((await signup.json()) as { user_id: string }).user_id;
    // The other build, on the same database and keys (it trusts S2's tokens), reading the
    // cookie by the name S2 gives it; S2 then refuses another user's revoked session, so its
    // revocation check looks at a list that is not empty.
    const baseline =
      BASELINE && SCENARIOS.has('S2b')
        ? await api(
            'api-baseline',
            { COOKIE_NAME: cookie.slice(0, cookie.indexOf('=')) },
            resolve(BASELINE),
          )
        : undefined;
    if (baseline) await revokeASession(cached.url);
    const db = client.db();
    const itemIds = (
      await db
        .collection<{ _id: string }>('item')
        .find({}, { projection: { _id: 1 } })
        .limit(LINES_PER_ORDER)
        .toArray()
    ).map((item) => item._id);
    const payer = await db
      .collection<{ _id: string }>('user')
      .findOne({ _id: { $ne: viewerId } }, { projection: { _id: 1 } });
    await db.collection<{ _id: string }>('user_order').insertMany(
      Array.from({ length: VIEWER_ORDERS }, (_, i) => ({
        _id: `BenchOrd${String(i).padStart(4, '0')}`,
        user_id: viewerId,
        payer_id: payer!._id,
        order_date: new Date(Date.UTC(2024, 0, 1 + i)),
        order_items: itemIds.map((item_id, line) => ({
          _id: new mongo.ObjectId(),
          item_id,
          quantity: line + 1,
          amount: 10 * (line + 1),
          item_details: {},
        })),
      })),
    );

    // The cursor DEPTH positions into listUsers' default order (by id): the
    // cursor a walk through the pages would reach, checked against the API.
    const ids = (
      await db
        .collection<{ _id: string }>('user')
        .find({}, { projection: { _id: 1 } })
        .toArray()
    )
      .map((user) => user._id)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const depth = Math.min(DEPTH, ids.length - 21);
    const deepCursor = encodeCursor(resolveSort([], USER_SORTABLE), { _id: ids[depth - 1] });
    const landing = await fetch(`${cached.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({
        query:
          'query ($after: String) { listUsers(first: 1, after: $after) { edges { node { id } } } }',
        variables: { after: deepCursor },
      }),
    });
    const landed = (await landing.json()) as {
      data?: { listUsers: { edges: { node: { id: string } }[] } };
    };
    if (landed.data?.listUsers.edges[0]?.node.id !== toGlobalId('User', ids[depth]))
      throw new Error(
        `the deep cursor does not land at position ${depth}: ${JSON.stringify(landed)}`,
      );

    const viewerGid = toGlobalId('User', viewerId);
    const ordersQuery = (first: number) =>
      `{ listUserOrders(user_id: "${viewerGid}", first: ${first}) { edges { node { id order_date user { id username } payer { id username } order_items(first: ${LINES_PER_ORDER}) { edges { node { quantity amount item { id desc } } } } } } } }`;
    const usersPage =
      'query ($after: String) { listUsers(first: 20, after: $after) { edges { cursor node { id username full_name } } pageInfo { hasNextPage endCursor } } }';
    const createOrder: Request = {
      ...graphql(
        'mutation ($input: CreateOrderInput!) { createOrder(input: $input) { order_id completionObj { code msg msg_id } clientMutationId } }',
        cookie,
        {
          input: {
            clientMutationId: 'bench',
            order_data: {
              user_id: viewerGid,
              order_items: [{ item_id: toGlobalId('Item', itemIds[0]), quantity: 1 }],
            },
          },
        },
      ),
      ok: (body) => noGraphQLErrors(body) && body.includes('"code":"0"'),
    };
    const typename = graphql('{ __typename }');
    const typenameWithCookie = graphql('{ __typename }', cookie);
    // S1t's one field sits behind AuthGuard('jwt'); `__typename` alone would skip the guard.
    const guardedFieldWithCookie = graphql('{ hello }', cookie);
    const scenario = (
      id: string,
      title: string,
      server: BenchProcess | undefined,
      serverName: string,
      request: Request,
      options: { connections?: number; countCommands?: boolean; amount?: number } = {},
    ): Scenario[] =>
      server && SCENARIOS.has(id)
        ? [
            {
              id,
              title,
              server,
              serverName,
              request,
              connections: options.connections ?? CONNECTIONS,
              amount: options.amount,
              countCommands: options.countCommands ?? true,
            },
          ]
        : [];

    // Without the database: interleaved rounds, for the ratios.
    const http = [
      ...scenario('S0', 'raw node:http, small JSON', raw, 'raw', typename, {
        countCommands: false,
      }),
      ...scenario(
        'S1',
        'bare Apollo Server on Fastify, `{ __typename }`',
        apollo,
        'apollo',
        typename,
        {
          countCommands: false,
        },
      ),
      ...scenario(
        'S1n',
        'smallest NestJS + Apollo app on Fastify, `{ __typename }` (extra reference)',
        nest,
        'nest',
        typename,
        { countCommands: false },
      ),
      ...scenario(
        'S1t',
        'default NestJS stack: Express, Apollo code-first, passport-jwt guard, pinoHttp; `{ hello }` with the cookie',
        typical,
        'typical',
        guardedFieldWithCookie,
        { countCommands: false },
      ),
      ...scenario('S2', '`{ __typename }` with a valid cookie', cached, 'api', typenameWithCookie),
      ...scenario(
        'S2m',
        '`{ __typename }` with a valid cookie, metrics on',
        metered,
        'api (METRICS_PORT set)',
        typenameWithCookie,
      ),
      ...scenario(
        'S2b',
        '`{ __typename }` with a valid cookie, the --baseline build',
        baseline,
        'baseline build',
        typenameWithCookie,
      ),
    ];
    results.push(...(await measureAll(tap, http, ROUNDS)));
    // Idle again once the load has passed: what a process that has served traffic holds.
    await sleep(AFTER_LOAD_IDLE_MS);
    const rssAfterLoadMB = Object.fromEntries(
      (
        [
          ['S1n smallest NestJS + Apollo', nest],
          ['the API (production, MONGODB_URI)', SCENARIOS.has('S2') ? cached : undefined],
        ] as const
      )
        .filter(([, server]) => server !== undefined)
        .map(([name, server]) => [name, Math.round(rssKiB(server!.pid) / 1024)]),
    );
    for (const server of [raw, apollo, nest, typical, metered, baseline]) await server?.stop();

    // With the database: one round each.
    const s5Commands: Record<string, number> = {};
    if (SCENARIOS.has('S5'))
      for (const first of [5, 50])
        s5Commands[`first: ${first}`] = await commandsPerRequest(
          tap,
          cached.url,
          graphql(ordersQuery(first), cookie),
        );
    const data = [
      ...scenario(
        'S4',
        '`viewer { id username }`',
        cached,
        'api',
        graphql('{ viewer { id username } }', cookie),
      ),
      ...scenario(
        'S5',
        `\`listUserOrders(first: 20)\`, ${LINES_PER_ORDER} lines each with item, user, payer`,
        cached,
        'api',
        graphql(ordersQuery(20), cookie),
        { connections: listConnections, amount: listAmount },
      ),
      ...scenario(
        'S6a',
        '`listUsers(first: 20)`, first page',
        cached,
        'api',
        graphql(usersPage, cookie),
        { connections: listConnections, amount: listAmount },
      ),
      ...scenario(
        'S6',
        `\`listUsers(first: 20)\` after a cursor ${depth} positions deep`,
        cached,
        'api',
        graphql(usersPage, cookie, { after: deepCursor }),
        { connections: listConnections, amount: listAmount },
      ),
      ...scenario('S7', '`createOrder` (one line)', cached, 'api', createOrder),
    ];
    results.push(...(await measureAll(tap, data, 1)));
    const s5 = results.find((row) => row.id === 'S5');
    if (s5) s5Commands['first: 20'] = s5.dbCommandsPerRequest ?? NaN;
    await cached.stop();

    report({
      seedSeconds,
      listConnections,
      s5Commands,
      signatureCheckMicroseconds: signatureMicroseconds,
      idleRssMB,
      rssAfterLoadMB,
      elapsed: (Date.now() - started) / 1000,
    });
  } finally {
    await cleanUp();
  }

  function report(run: {
    seedSeconds: number;
    listConnections: number;
    s5Commands: Record<string, number>;
    signatureCheckMicroseconds: number;
    idleRssMB: Record<string, number>;
    rssAfterLoadMB: Record<string, number>;
    elapsed: number;
  }): void {
    const byId: Partial<Record<string, Measurement>> = Object.fromEntries(
      results.map((row) => [row.id, row]),
    );
    const rows = ALL_SCENARIOS.flatMap((id) => byId[id] ?? []);
    const ratios = {
      'S2/S1 req/s': ratio(byId.S2?.rps, byId.S1?.rps),
      'S1n/S1 req/s (NestJS itself)': ratio(byId.S1n?.rps, byId.S1?.rps),
      'S2/S1t req/s (against the default NestJS stack)': ratio(byId.S2?.rps, byId.S1t?.rps),
      'S1t/S1 req/s': ratio(byId.S1t?.rps, byId.S1?.rps),
      'S2m/S1 req/s (metrics on)': ratio(byId.S2m?.rps, byId.S1?.rps),
      'S2b/S1 req/s (the --baseline build)': ratio(byId.S2b?.rps, byId.S1?.rps),
      'S2/S0 req/s': ratio(byId.S2?.rps, byId.S0?.rps),
      'S6/S6a p50': ratio(byId.S6?.p50, byId.S6a?.p50),
    };
    const s5Values = Object.values(run.s5Commands);
    const apiRows = rows.filter((row) => row.server.startsWith('api'));
    const peakRss = apiRows.length ? Math.max(...apiRows.map((row) => row.peakRssMB)) : NaN;
    const errors = rows.reduce((sum, row) => sum + row.errors, 0);
    const met = (value: number | null, test: (v: number) => boolean) =>
      value === null ? null : test(value);
    const targets = [
      {
        target: 'S2 ≥ 0.45 × S1 req/s',
        value: ratios['S2/S1 req/s'],
        met: met(ratios['S2/S1 req/s'], (v) => v >= 0.45),
      },
      {
        target: 'S2 ≥ 4 × S1t req/s',
        value: ratios['S2/S1t req/s (against the default NestJS stack)'],
        met: met(ratios['S2/S1t req/s (against the default NestJS stack)'], (v) => v >= 4),
      },
      {
        target: 'S2m/S1 ≥ S2/S1 − 0.03 (metrics cost at most 0.03 of the ratio)',
        value: ratios['S2m/S1 req/s (metrics on)'],
        met:
          ratios['S2m/S1 req/s (metrics on)'] === null || ratios['S2/S1 req/s'] === null
            ? null
            : ratios['S2m/S1 req/s (metrics on)'] >= ratios['S2/S1 req/s'] - 0.03,
      },
      {
        target: 'S2/S1 ≥ S2b/S1 − 0.03 (this build against --baseline)',
        value: ratios['S2/S1 req/s'],
        met:
          ratios['S2b/S1 req/s (the --baseline build)'] === null || ratios['S2/S1 req/s'] === null
            ? null
            : ratios['S2/S1 req/s'] >= ratios['S2b/S1 req/s (the --baseline build)'] - 0.03,
      },
      {
        target: 'S5 database commands per request constant and ≤ 5 at first: 5, 20, 50',
        value: Object.entries(run.s5Commands)
          .map(([k, v]) => `${k} → ${v}`)
          .join(', '),
        met: s5Values.length ? s5Values.every((n) => n === s5Values[0] && n <= 5) : null,
      },
      {
        target: 'S6 p50 ≤ 1.5 × S6a p50',
        value: ratios['S6/S6a p50'],
        met: met(ratios['S6/S6a p50'], (v) => v <= 1.5),
      },
      { target: 'no failed requests', value: errors, met: errors === 0 },
      {
        target: 'API peak RSS under load < 300 MB',
        value: `${peakRss} MB`,
        met: Number.isFinite(peakRss) ? peakRss < 300 : null,
      },
      {
        target: 'API idle RSS ≤ 158 MB (idle before the idiomatic rewrite, 148 MB, + 10)',
        value: run.idleRssMB['the API (production, MONGODB_URI)'],
        met: met(run.idleRssMB['the API (production, MONGODB_URI)'] ?? null, (v) => v <= 158),
      },
      ...memoryTargets(),
    ];
    /** Against the smallest NestJS + Apollo app (S1n), when it ran: idle and under load. */
    function memoryTargets() {
      const nestIdle = run.idleRssMB['S1n smallest NestJS + Apollo'];
      const apiIdle = run.idleRssMB['the API (production, MONGODB_URI)'];
      const nestMongooseIdle = run.idleRssMB['S1n connected to MongoDB through @nestjs/mongoose'];
      const nestPeak = byId.S1n?.peakRssMB;
      const apiPeak = byId.S2?.peakRssMB;
      if (nestIdle === undefined || nestPeak === undefined) return [];
      const difference = (mb: number) => (mb < 0 ? `−${-mb}` : `+${mb}`);
      return [
        {
          target: 'API idle RSS ≤ S1n idle RSS + 10 MB',
          value:
            `${apiIdle} MB against ${nestIdle} MB (${difference(apiIdle - nestIdle)})` +
            (nestMongooseIdle === undefined
              ? ''
              : `; S1n with @nestjs/mongoose ${nestMongooseIdle} MB (${difference(apiIdle - nestMongooseIdle)})`),
          met: apiIdle <= nestIdle + 10,
        },
        {
          target: 'API peak RSS under S2 ≤ 1.2 × S1n peak under S1n',
          value: `${apiPeak} MB against ${nestPeak} MB (×${ratio(apiPeak, nestPeak)})`,
          met: apiPeak !== undefined ? apiPeak <= 1.2 * nestPeak : null,
        },
      ];
    }
    const environment = {
      date: new Date().toISOString(),
      commit: gitCommit(),
      node: process.version,
      cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
      database: database.kind,
      data: {
        users: USERS,
        orders: ORDERS,
        viewerOrders: VIEWER_ORDERS,
        linesPerOrder: LINES_PER_ORDER,
      },
      alg: ALG,
      apiNodeOptions: NPM_START.nodeArgs,
      apiStartEnv: NPM_START.env,
      apiEnv: API_ENV,
      connections: CONNECTIONS,
      listConnections: run.listConnections,
      durationSeconds: DURATION,
      warmupSeconds: WARMUP,
      rounds: ROUNDS,
      probes: PROBES,
      quick: QUICK,
      seedSeconds: run.seedSeconds,
      signatureCheckMicroseconds: run.signatureCheckMicroseconds,
      elapsedSeconds: run.elapsed,
    };
    const table = [
      '| | scenario | conns | req/s | p50 ms | p99 ms | errors | db cmds/req | server CPU µs/req | peak RSS MB |',
      '|---|---|---|---|---|---|---|---|---|---|',
      ...rows.map(
        (row) =>
          `| ${row.id} | ${row.title} | ${row.connections} | ${row.rps}${row.rounds > 1 ? ` (${row.rpsPerRound.join(', ')})` : ''} | ${row.p50} | ${row.p99} | ${row.errors} | ${row.dbCommandsPerRequest ?? '–'} | ${row.cpuMicrosPerRequest} | ${row.peakRssMB} |`,
      ),
    ].join('\n');
    const perRequest = (rps: number | undefined) =>
      rps ? `${Math.round(1_000_000 / rps)} µs` : '–';
    const markdown = [
      `# npm run bench${QUICK ? ' -- --quick' : ''}${partial ? ` (${[...SCENARIOS].join(', ')} only)` : ''}`,
      '',
      `${environment.date}, commit ${environment.commit}, Node ${environment.node}, ${environment.cpu}; ` +
        `${environment.database} with ${USERS} users and ${ORDERS} orders; ${ALG}; API started with ` +
        `\`${Object.entries(environment.apiStartEnv)
          .map(([name, value]) => `${name}=${value} `)
          .join(
            '',
          )}node ${environment.apiNodeOptions.map((option) => `${option} `).join('')}dist/main.js\`, NODE_ENV=production, LOG_LEVEL=info` +
        Object.entries(API_ENV)
          .map(([name, value]) => `, ${name}=${value}`)
          .join('') +
        '. ' +
        (BASELINE ? 'S2b is the --baseline build, on the same database and keys. ' : '') +
        `S0 to S2b run at once and are measured in ${ROUNDS} interleaved rounds of ${DURATION} s ` +
        `(req/s is the median, each round in brackets); S4 to S7 one round each; ${WARMUP} s of warm-up ` +
        `before each. Database commands per request: the API's commands counted on the wire over ${PROBES} ` +
        `request${PROBES > 1 ? 's' : ''} sent one at a time to the idle server, without monitoring and ` +
        `without the background work (the revocation feed's reads of ${REVOCATION_COLLECTION}, once a ` +
        `second, and the expiry sweeps' deletes).`,
      '',
      table,
      '',
      '| ratio | value |',
      '|---|---|',
      ...Object.entries(ratios).map(([name, value]) => `| ${name} | ${value ?? '–'} |`),
      '',
      '| server, started and idle | RSS MB |',
      '|---|---|',
      ...Object.entries(run.idleRssMB).map(([name, mb]) => `| ${name} | ${mb} |`),
      '',
      `| server, idle again ${AFTER_LOAD_IDLE_MS / 1000} s after its load (S1n, S2) | RSS MB |`,
      '|---|---|',
      ...Object.entries(run.rssAfterLoadMB).map(([name, mb]) => `| ${name} | ${mb} |`),
      '',
      '| target | value | met |',
      '|---|---|---|',
      ...targets.map(
        (t) =>
          `| ${t.target} | ${t.value ?? '–'} | ${t.met === null ? '–' : t.met ? 'yes' : '**no**'} |`,
      ),
      '',
      `Time per request at full load (1 / req/s, one core each for server and load): ${[
        'S0',
        'S1',
        'S1n',
        'S1t',
        'S2',
      ]
        .filter((id) => byId[id])
        .map((id) => `${id} ${perRequest(byId[id]?.rps)}`)
        .join(', ')}. ` +
        `One ${ALG} signature check (what a token the verified-token cache has not seen costs), measured in the bench process: ${run.signatureCheckMicroseconds} µs.`,
      '',
      `Whole run ${run.elapsed.toFixed(0)} s (seeding ${run.seedSeconds.toFixed(0)} s).`,
      '',
    ].join('\n');
    // Each run goes to bench/results/runs/ (git-ignored); `--record` also replaces the
    // committed bench/results/latest.md, the run the docs quote.
    const dir = join(ROOT, 'bench', 'results', 'runs');
    mkdirSync(dir, { recursive: true });
    // A run of some scenarios only must not pass for a full one.
    const name = partial ? 'partial' : 'latest';
    writeFileSync(
      join(dir, `${name}.json`),
      `${JSON.stringify({ environment, results: rows, ratios, s5Commands: run.s5Commands, memory: { idleRssMB: run.idleRssMB, rssAfterLoadMB: run.rssAfterLoadMB }, targets }, null, 2)}\n`,
    );
    writeFileSync(join(dir, `${name}.md`), markdown);
    console.log(`\n${markdown}`);
    console.log(`Written to bench/results/runs/${name}.json and bench/results/runs/${name}.md`);
    if (hasFlag('record') && !partial) {
      writeFileSync(join(ROOT, 'bench', 'results', 'latest.md'), markdown);
      console.log('Recorded as bench/results/latest.md (commit it with the change it measures).');
    }
    process.exitCode = errors > 0 ? 1 : 0;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
