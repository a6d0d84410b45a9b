/**
 * `npm run bench [-- --quick] [--users N --orders N --depth N --duration S
 * --warmup S --connections N --alg ES256|RS256|PS256|EdDSA]`: the API measured
 * side by side with its physical references, in one run on one machine.
 *
 * Starts a throwaway embedded database, seeds generated data through the seed
 * CLI, then drives each server over loopback with autocannon (fixed
 * connections, warm-up, fixed duration): S0 raw node:http and S1 bare Apollo
 * on Fastify (bench/reference-servers.ts), then the built service in
 * production mode (S2, S4 to S7) and once more with the verified-token cache
 * off (S3). Prints a table, writes bench/results/latest.json and latest.md,
 * and exits non-zero if any request failed. A program, never part of npm test.
 */
import autocannon from 'autocannon';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mongo } from 'mongoose';
import { generatePemKeyPair } from '../src/auth/keys/key-material';
import { JWT_ALGORITHMS, type JwtAlgorithm } from '../src/config/app-config';
import { toGlobalId } from '../src/common/ids';
import { encodeCursor, resolveSort } from '../src/common/pagination/keyset';
import { startEmbeddedDatabase } from '../src/database/embedded/embedded-database';
import { USER_SORTABLE } from '../src/users/users.service';
import {
  ROOT,
  startNodeProcess,
  startScriptNodeArgs,
  tokenCookie,
  watchPeakRss,
  type BenchProcess,
} from './support/processes';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
function flag(name: string, fallback: number): number {
  const index = args.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(args[index + 1]);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`--${name} takes a number, got ${JSON.stringify(args[index + 1])}`);
    process.exit(2);
  }
  return value;
}
function textFlag(name: string, fallback: string): string {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? (args[index + 1] ?? fallback) : fallback;
}

const USERS = flag('users', 10_000);
const ORDERS = flag('orders', 30_000);
const DEPTH = flag('depth', 9_000);
const DURATION = flag('duration', QUICK ? 4 : 10);
const WARMUP = flag('warmup', QUICK ? 1 : 3);
const CONNECTIONS = flag('connections', 50);
// Connections for the scenarios that query lists (S5, S6a, S6). FerretDB's SQLite
// backend answers each of those with a collection scan (no sort or filter pushdown),
// so 50 at once would only measure a queue; on real MongoDB they get --connections.
const LIST_CONNECTIONS_FLAG = args.includes('--list-connections')
  ? flag('list-connections', 4)
  : undefined;
const PROBES = flag('probes', 10);
const ALG = textFlag('alg', 'ES256') as JwtAlgorithm;
if (!JWT_ALGORITHMS.includes(ALG)) {
  console.error(`--alg takes one of ${JWT_ALGORITHMS.join(', ')}`);
  process.exit(2);
}
const ALL_SCENARIOS = ['S0', 'S1', 'S2', 'S3', 'S4', 'S5', 'S6a', 'S6', 'S7'];
const SCENARIOS = new Set(
  textFlag('scenarios', ALL_SCENARIOS.join(','))
    .split(',')
    .filter((id) => ALL_SCENARIOS.includes(id)),
);
/** Orders of the bench viewer: more than the largest page S5 asks for. */
const VIEWER_ORDERS = 60;
const LINES_PER_ORDER = 10;

interface Measurement {
  readonly id: string;
  readonly title: string;
  readonly server: string;
  readonly connections: number;
  readonly requests: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly dbCommandsPerRequest: number | null;
  readonly peakRssMB: number;
}

interface Request {
  readonly body: string;
  readonly headers: Record<string, string>;
  /** False when a 200 response still carries a failure (GraphQL errors, a completion code). */
  readonly ok: (body: string) => boolean;
}

const noGraphQLErrors = (body: string) => !body.includes('"errors":');

function graphql(query: string, cookie?: string, variables?: Record<string, unknown>): Request {
  return {
    body: JSON.stringify({ query, variables }),
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    ok: noGraphQLErrors,
  };
}

/** autocannon over loopback: a warm-up, then the measured run. */
async function load(
  url: string,
  request: Request,
  connections: number,
): Promise<{ requests: number; rps: number; p50: number; p99: number; errors: number }> {
  let failedBodies = 0;
  const run = (duration: number) =>
    autocannon({
      url: `${url}/graphql`,
      connections,
      duration,
      timeout: 60,
      requests: [
        {
          method: 'POST',
          headers: request.headers,
          body: request.body,
          onResponse: (status: number, body: string) => {
            if (status === 200 && !request.ok(body)) failedBodies += 1;
          },
        },
      ],
    });
  if (WARMUP > 0) await run(WARMUP);
  failedBodies = 0;
  const result = await run(DURATION);
  return {
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx + failedBodies,
  };
}

/** The database's own count of commands served (metrics.commands), minus monitoring and this probe. */
async function databaseCommands(admin: mongo.Db): Promise<number> {
  const status = await admin.command({ serverStatus: 1 });
  const commands = (status.metrics?.commands ?? {}) as Record<string, { total?: unknown }>;
  const ignored = new Set([
    'hello',
    'isMaster',
    'ismaster',
    'ping',
    'serverStatus',
    'buildInfo',
    'endSessions',
    'saslStart',
    'saslContinue',
    'unknown',
    '<UNKNOWN>',
  ]);
  let total = 0;
  for (const [name, counter] of Object.entries(commands))
    if (!ignored.has(name)) total += Number(counter?.total ?? 0);
  return total;
}

/**
 * Waits until the requests autocannon left in flight have finished their
 * database work (the command count holds still), so the next probe counts
 * only its own.
 */
async function quiet(admin: mongo.Db): Promise<void> {
  let last = await databaseCommands(admin);
  for (let waited = 0; waited < 120_000; waited += 500) {
    await sleep(500);
    const now = await databaseCommands(admin);
    if (now === last) return;
    last = now;
  }
}

/** Database commands per request, from a few requests sent one at a time. */
async function commandsPerRequest(admin: mongo.Db, url: string, request: Request): Promise<number> {
  const before = await databaseCommands(admin);
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
  return Math.round(((await databaseCommands(admin)) - before) / PROBES);
}

function runProcess(script: string, scriptArgs: string[], env: Record<string, string>) {
  return new Promise<void>((resolveRun, reject) => {
    const child = spawn(process.execPath, [script, ...scriptArgs], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('exit', (code) =>
      code === 0 ? resolveRun() : reject(new Error(`${script} exited with ${code}`)),
    );
  });
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
  } catch {
    return 'unknown';
  }
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : NaN);
const partial = SCENARIOS.size < ALL_SCENARIOS.length;

async function main(): Promise<void> {
  const started = Date.now();
  const workDir = mkdtempSync(join(tmpdir(), 'bench-'));
  const logFile = (name: string) => join(workDir, `${name}.log`);
  const database = await startEmbeddedDatabase({ dataDir: join(workDir, 'db'), throwaway: true });
  const uri = `${database.uri}bench`;
  const client = new mongo.MongoClient(uri);
  const servers: BenchProcess[] = [];
  const results: Measurement[] = [];
  try {
    await client.connect();
    const admin = client.db('admin');
    const LIST_CONNECTIONS =
      LIST_CONNECTIONS_FLAG ?? (database.kind === 'ferretdb' ? 4 : CONNECTIONS);

    console.log(`Seeding ${USERS} users and ${ORDERS} orders (${database.kind})...`);
    const seedStarted = Date.now();
    await runProcess(
      join(ROOT, 'dist', 'seed', 'seed.cli.js'),
      ['--users', String(USERS), '--orders', String(ORDERS), '--seed', '42'],
      { NODE_ENV: 'development', MONGODB_URI: uri, LOG_LEVEL: 'warn' },
    );
    const seedSeconds = (Date.now() - seedStarted) / 1000;

    const measure = async (
      id: string,
      title: string,
      server: BenchProcess,
      serverName: string,
      request: Request,
      options: { connections?: number; countCommands?: boolean } = {},
    ) => {
      if (!SCENARIOS.has(id)) return undefined;
      const connections = options.connections ?? CONNECTIONS;
      const dbCommandsPerRequest =
        options.countCommands === false
          ? null
          : await commandsPerRequest(admin, server.url, request);
      const memory = watchPeakRss(server.pid);
      const measured = await load(server.url, request, connections);
      const peakRssMB = Math.round(memory.stop() / 1024);
      await quiet(admin);
      const row: Measurement = {
        id,
        title,
        server: serverName,
        connections,
        ...measured,
        dbCommandsPerRequest,
        peakRssMB,
      };
      results.push(row);
      console.log(
        `${id} ${title}: ${row.rps} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, ${row.errors} errors, ` +
          `${row.dbCommandsPerRequest ?? '-'} db commands/request, peak RSS ${row.peakRssMB} MB`,
      );
      return row;
    };

    // The physical references, each alone on the machine.
    const typename = graphql('{ __typename }');
    for (const [id, mode, title] of [
      ['S0', 'raw', 'raw node:http, small JSON'],
      ['S1', 'apollo', 'bare Apollo Server on Fastify, { __typename }'],
    ] as const) {
      if (!SCENARIOS.has(id)) continue;
      const reference = await startNodeProcess({
        script: join(ROOT, 'dist-bench', 'bench', 'reference-servers.js'),
        args: [mode],
        env: { NODE_ENV: 'production' },
        logFile: logFile(mode),
      });
      servers.push(reference);
      await measure(id, title, reference, mode, typename, { countCommands: false });
      await reference.stop();
    }

    // This API, as it runs in production (logging at info, to a file).
    const pair = generatePemKeyPair(ALG);
    const apiEnv = (extra: Record<string, string> = {}) => ({
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      LOG_PRETTY: 'false',
      MONGODB_URI: uri,
      JWT_ALG: ALG,
      JWT_PRIV_KEY_B64: Buffer.from(pair.privateKey).toString('base64'),
      JWT_PUB_KEY_B64: Buffer.from(pair.publicKey).toString('base64'),
      // One viewer sends every request: the per-viewer limit (600 a minute) would answer 429.
      GRAPHQL_RATE_LIMIT_PER_MINUTE: '10000000',
      ...extra,
    });
    const nodeArgs = startScriptNodeArgs();
    const api = await startNodeProcess({
      script: join(ROOT, 'dist', 'main.js'),
      nodeArgs,
      env: apiEnv(),
      logFile: logFile('api'),
      readyPath: '/health/ready',
    });
    servers.push(api);

    // The viewer signs up through the auth endpoint, then gets orders with many lines.
    const password = randomBytes(18).toString('base64url');
    const signup = await fetch(`${api.url}/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        username: 'bench.viewer',
        password,
        primary_email: 'bench.viewer@example.com',
        full_name: 'Bench Viewer',
      }),
    });
    if (signup.status !== 201)
      throw new Error(`signup failed: ${signup.status} ${await signup.text()}`);
    const cookie = tokenCookie(signup);
    const viewerId = ((await signup.json()) as { user_id: string }).user_id;
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
    const landing = await fetch(`${api.url}/graphql`, {
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

    const typenameWithCookie = graphql('{ __typename }', cookie);
    await measure('S2', '{ __typename } with a valid cookie', api, 'api', typenameWithCookie);
    await measure(
      'S4',
      'viewer { id username }',
      api,
      'api',
      graphql('{ viewer { id username } }', cookie),
    );
    const s5Commands: Record<string, number> = {};
    if (SCENARIOS.has('S5'))
      for (const first of [5, 50])
        s5Commands[`first: ${first}`] = await commandsPerRequest(
          admin,
          api.url,
          graphql(ordersQuery(first), cookie),
        );
    const s5 = await measure(
      'S5',
      `listUserOrders(first: 20), ${LINES_PER_ORDER} lines each with item, user, payer`,
      api,
      'api',
      graphql(ordersQuery(20), cookie),
      { connections: LIST_CONNECTIONS },
    );
    if (s5) s5Commands['first: 20'] = s5.dbCommandsPerRequest ?? NaN;
    await measure(
      'S6a',
      'listUsers(first: 20), first page',
      api,
      'api',
      graphql(usersPage, cookie),
      {
        connections: LIST_CONNECTIONS,
      },
    );
    await measure(
      'S6',
      `listUsers(first: 20) after a cursor ${depth} positions deep`,
      api,
      'api',
      graphql(usersPage, cookie, { after: deepCursor }),
      { connections: LIST_CONNECTIONS },
    );
    await measure('S7', 'createOrder (one line)', api, 'api', createOrder);
    await api.stop();

    if (SCENARIOS.has('S3')) {
      const uncached = await startNodeProcess({
        script: join(ROOT, 'dist', 'main.js'),
        env: apiEnv({ AUTH_TOKEN_CACHE: 'false' }),
        logFile: logFile('api-uncached'),
        readyPath: '/health/ready',
      });
      servers.push(uncached);
      await measure(
        'S3',
        '{ __typename } with a valid cookie, token cache off',
        uncached,
        'api (AUTH_TOKEN_CACHE=false)',
        typenameWithCookie,
      );
      await uncached.stop();
    }

    report({
      seedSeconds,
      depth,
      s5Commands,
      listConnections: LIST_CONNECTIONS,
      elapsed: (Date.now() - started) / 1000,
    });
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await client.close();
    await database.stop();
    if (args.includes('--keep')) console.log(`Server logs kept in ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  }

  function report(run: {
    seedSeconds: number;
    depth: number;
    s5Commands: Record<string, number>;
    listConnections: number;
    elapsed: number;
  }): void {
    const byId: Partial<Record<string, Measurement>> = Object.fromEntries(
      results.map((row) => [row.id, row]),
    );
    const rows = ALL_SCENARIOS.flatMap((id) => byId[id] ?? []);
    const ratios = {
      'S2/S1 req/s': ratio(byId.S2?.rps ?? NaN, byId.S1?.rps ?? NaN),
      'S2/S3 req/s': ratio(byId.S2?.rps ?? NaN, byId.S3?.rps ?? NaN),
      'S2/S0 req/s': ratio(byId.S2?.rps ?? NaN, byId.S0?.rps ?? NaN),
      'S6/S6a p50': ratio(byId.S6?.p50 ?? NaN, byId.S6a?.p50 ?? NaN),
    };
    const s5Values = Object.values(run.s5Commands);
    const peakRss = Math.max(
      ...rows.filter((row) => row.server.startsWith('api')).map((r) => r.peakRssMB),
    );
    const errors = rows.reduce((sum, row) => sum + row.errors, 0);
    const targets = [
      {
        target: 'S2 ≥ 0.85 × S1',
        met: ratios['S2/S1 req/s'] >= 0.85,
        value: ratios['S2/S1 req/s'],
      },
      {
        target: `S2 ≥ 2 × S3 (${ALG})`,
        met: ratios['S2/S3 req/s'] >= 2,
        value: ratios['S2/S3 req/s'],
      },
      {
        target: 'S5 database commands constant and ≤ 5 (first: 5, 20, 50)',
        met: s5Values.every((n) => n === s5Values[0] && n <= 5),
        value: Object.entries(run.s5Commands)
          .map(([k, v]) => `${k} → ${v}`)
          .join(', '),
      },
      {
        target: 'S6 p50 ≤ 1.5 × S6a p50',
        met: ratios['S6/S6a p50'] <= 1.5,
        value: ratios['S6/S6a p50'],
      },
      { target: 'no failed requests', met: errors === 0, value: errors },
      { target: 'API peak RSS under load < 300 MB', met: peakRss < 300, value: `${peakRss} MB` },
    ];
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
      connections: CONNECTIONS,
      listConnections: run.listConnections,
      durationSeconds: DURATION,
      warmupSeconds: WARMUP,
      quick: QUICK,
      seedSeconds: run.seedSeconds,
      elapsedSeconds: run.elapsed,
    };
    const table = [
      '| | scenario | conns | req/s | p50 ms | p99 ms | errors | db cmds/req | peak RSS MB |',
      '|---|---|---|---|---|---|---|---|---|',
      ...rows.map(
        (row) =>
          `| ${row.id} | ${row.title} | ${row.connections} | ${row.rps} | ${row.p50} | ${row.p99} | ${row.errors} | ${row.dbCommandsPerRequest ?? '–'} | ${row.peakRssMB} |`,
      ),
    ].join('\n');
    const markdown = [
      `# npm run bench${QUICK ? ' --quick' : ''}${partial ? ` (${[...SCENARIOS].join(', ')} only)` : ''}`,
      '',
      `${environment.date}, commit ${environment.commit}, Node ${environment.node}, ${environment.cpu}, ` +
        `${environment.database} with ${USERS} users and ${ORDERS} orders, ${ALG}. ` +
        `${DURATION} s per row after ${WARMUP} s of warm-up. Database commands per request come from ` +
        `the database's own counters over ${PROBES} requests sent one at a time.`,
      '',
      table,
      '',
      '| ratio | value |',
      '|---|---|',
      ...Object.entries(ratios).map(([name, value]) => `| ${name} | ${value} |`),
      '',
      '| target | value | met |',
      '|---|---|---|',
      ...targets.map((t) => `| ${t.target} | ${t.value} | ${t.met ? 'yes' : '**no**'} |`),
      '',
      `Whole run ${run.elapsed.toFixed(0)} s (seeding ${run.seedSeconds.toFixed(0)} s).`,
      '',
    ].join('\n');
    const dir = join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    // A run of some scenarios only must not pass for a full one.
    const name = partial ? 'partial' : 'latest';
    writeFileSync(
      join(dir, `${name}.json`),
      `${JSON.stringify({ environment, results: rows, ratios, s5Commands: run.s5Commands, targets }, null, 2)}\n`,
    );
    writeFileSync(join(dir, `${name}.md`), markdown);
    console.log(`\n${markdown}`);
    console.log(`Written to bench/results/${name}.json and bench/results/${name}.md`);
    process.exitCode = errors > 0 ? 1 : 0;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
