/**
 * `npm run bench:breakdown [-- --rounds 3 --duration 4 --warmup 2
 * --connections 50 --only request-log,cors --profile]`: what each per-request
 * feature of the API costs, one at a time.
 *
 * Starts bare Apollo on Fastify (S1), the smallest NestJS + Apollo app (S1n)
 * and the built API in production mode as `npm start` runs it, logging at
 * `info` to a file: once with everything on (S2), once with the token cache
 * off (S3), once with metrics on, and once for each feature of
 * BENCH_FEATURES_OFF switched off alone (src/config/app-config.ts; a switch
 * for benchmarks only), plus once with all of them off. Every server answers
 * `{ __typename }` with a valid token over 50 connections, measured in
 * interleaved rounds so drift hits all alike; each row gives the median
 * req/s, its ratio to S1, and the server's CPU time per request (from
 * /proc/<pid>/stat), with what switching the feature off saved against S2.
 * One ES256 signature check is timed in this process, to compare with the
 * token cache's saving (S3 − S2).
 *
 * `--cumulative` switches the features off one more at a time instead, in the
 * order given by `--only` (or BENCH_FEATURES' order): row n has the first n off,
 * so the table shows which features S2 must lose to reach a given share of S1.
 *
 * `--cache-only` measures only S2 and S3 at one fixed rate (`--rate`, 1,500 req/s).
 * `--keep` keeps the server logs and the profiles. `--profile` also profiles S2 and S3 (`--profile-only`: nothing else) under load (`node --cpu-prof`) and
 * prints where their time went: by package, the request-log hook and what it
 * calls, the log destination's writes, passport and jsonwebtoken, and
 * garbage collection.
 *
 * Writes bench/results/runs/breakdown.md (git-ignored). Never part of npm test.
 */
import autocannon from 'autocannon';
import { createPrivateKey } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { generatePemKeyPair, parseSigningKey } from '../src/auth/keys/key-material';
import { BENCH_FEATURES, type BenchFeature } from '../src/config/app-config';
import { startEmbeddedDatabase } from '../src/database/embedded/embedded-database';
import { hasFlag, numberFlag, textFlag } from './support/cli';
import { summarizeProfile } from './support/cpu-profile';
import { median, signatureCheckMicroseconds } from './support/measure';
import {
  cleanUpOnInterrupt,
  cpuMicroseconds,
  freePort,
  ROOT,
  startNodeProcess,
  npmStartCommand,
  type BenchProcess,
} from './support/processes';

const NPM_START = npmStartCommand();
const ROUNDS = Math.max(1, numberFlag('rounds', 3));
const DURATION = numberFlag('duration', 4);
const WARMUP = numberFlag('warmup', 2);
const CONNECTIONS = numberFlag('connections', 50);
const ONLY = textFlag('only', '')
  .split(',')
  .filter((name): name is BenchFeature => (BENCH_FEATURES as readonly string[]).includes(name));
const FEATURES: readonly BenchFeature[] = ONLY.length > 0 ? ONLY : BENCH_FEATURES;
/** Below what S3 (a signature check per request) sustains on this machine. */
const FIXED_RATE = numberFlag('rate', 1500);
const CUMULATIVE = hasFlag('cumulative');
const PROFILE_OFF = BENCH_FEATURES.find((feature) => feature === textFlag('profile-off', ''));

/** What a user of the service loses when the feature is off: the price of the saving. */
const WHAT_IT_COSTS: Record<BenchFeature, string> = {
  'request-log': 'no line per request: no access log, no duration or status per request',
  'request-id-header': 'clients cannot quote the id of a failed request',
  'async-context': 'lines logged while a request is served lose its request id',
  'security-headers': 'no CSP, nosniff, HSTS, frame and resource policies for browsers',
  cors: 'frontends on other origins cannot call the API with the cookie',
  cookies: 'browsers cannot sign in with the httpOnly cookie (bearer only)',
  'address-limit': 'floods from one address reach the token check unlimited',
  'viewer-limit': 'a runaway signed-in client is not slowed down',
  'query-limits': 'depth, alias, directive and token bombs are accepted',
  'cost-limit': 'huge list queries (first: 1000, nested) are accepted',
  'request-plugin':
    'request lines lose operation name and type; errors lose their request id; resolver failures are not logged',
  'error-formatting':
    'error codes not normalised; internal and database messages may reach clients',
  'browser-navigation': 'browsers opening /graphql get no login redirect or GraphiQL',
};

interface Server {
  readonly id: string;
  readonly title: string;
  readonly process: BenchProcess;
  readonly bearer: boolean;
}

interface Row {
  readonly id: string;
  readonly title: string;
  readonly rps: number;
  readonly rpsPerRound: number[];
  readonly cpuMicrosPerRequest: number;
  /** Median over the rounds of S2's CPU per request minus this variant's, measured back to back. */
  readonly saved?: number;
  readonly savedPerRound?: number[];
  readonly errors: number;
}

async function load(server: Server, token: string, seconds: number, rate?: number) {
  let wrong = 0;
  const cpuBefore = cpuMicroseconds(server.process.pid);
  const result = await autocannon({
    url: `${server.process.url}/graphql`,
    connections: CONNECTIONS,
    duration: seconds,
    // A fixed rate for all connections together: servers compared at the same load.
    ...(rate ? { overallRate: rate } : {}),
    timeout: 30,
    requests: [
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(server.bearer ? { authorization: `Bearer ${token}` } : { cookie: `token=${token}` }),
        },
        body: JSON.stringify({ query: '{ __typename }' }),
        onResponse: (status: number, body: string) => {
          if (status === 200 && !body.includes('"__typename":"Query"')) wrong += 1;
        },
      },
    ],
  });
  const requests = result.requests.total;
  return {
    requests,
    rps: Math.round(result.requests.average),
    errors: result.errors + result.timeouts + result.non2xx + wrong + (requests === 0 ? 1 : 0),
    cpuMicrosPerRequest: Math.round(
      (cpuMicroseconds(server.process.pid) - cpuBefore) / Math.max(1, requests),
    ),
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const workDir = mkdtempSync(join(tmpdir(), 'breakdown-'));
  const signatureMicros = await signatureCheckMicroseconds('ES256');
  const database = await startEmbeddedDatabase({ dataDir: join(workDir, 'db'), throwaway: true });
  const servers: Server[] = [];
  const cleanUp = cleanUpOnInterrupt(async () => {
    await Promise.all(servers.map((server) => server.process.stop()));
    await database.stop();
    if (hasFlag('keep')) console.log(`Server logs and profiles kept in ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  });
  try {
    const pair = generatePemKeyPair('ES256');
    const { kid } = await parseSigningKey(pair.privateKey, 'ES256');
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ user_id: 'BenchViewer1', locale: 'en', roles: ['user'] })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .setIssuer('user-order-auth')
      .setAudience('user-order-api')
      .setSubject('BenchViewer1')
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(createPrivateKey(pair.privateKey));

    const reference = async (mode: string, id: string, title: string): Promise<Server> => {
      const child = await startNodeProcess({
        script: join(ROOT, 'dist-bench', 'bench', 'reference-servers.js'),
        args: [mode],
        env: { NODE_ENV: 'production' },
        logFile: join(workDir, `${id}.log`),
      });
      const server = { id, title, process: child, bearer: false };
      servers.push(server);
      return server;
    };
    const api = async (
      id: string,
      title: string,
      env: Record<string, string>,
      options: { bearer?: boolean; nodeArgs?: string[] } = {},
    ) => {
      const child = await startNodeProcess({
        script: join(ROOT, 'dist', 'main.js'),
        nodeArgs: [...NPM_START.nodeArgs, ...(options.nodeArgs ?? [])],
        env: {
          ...NPM_START.env,
          NODE_ENV: 'production',
          LOG_LEVEL: 'info',
          LOG_PRETTY: 'false',
          MONGODB_URI: `${database.uri}breakdown`,
          CORS_ORIGINS: 'https://app.example.com',
          // One token for the whole run: the API refuses tokens that outlive its JWT_TTL.
          JWT_TTL: '1h',
          JWT_PRIV_KEY_B64: Buffer.from(pair.privateKey).toString('base64'),
          GRAPHQL_RATE_LIMIT_PER_MINUTE: '10000000',
          ...env,
        },
        logFile: join(workDir, `${id}.log`),
        readyPath: '/health/ready',
      });
      const server = { id, title, process: child, bearer: options.bearer ?? false };
      servers.push(server);
      return server;
    };

    const rows: Row[] = hasFlag('profile-only') || hasFlag('cache-only') ? [] : await measure();
    for (const server of servers.splice(0)) await server.process.stop();
    const cache = hasFlag('profile-only') ? undefined : await cacheAtFixedRate();
    for (const server of servers.splice(0)) await server.process.stop();

    /**
     * S2 and S3 at the same fixed rate, so that both batch alike: at full load S3 serves fewer
     * requests per event-loop turn, and every per-request cost looks larger there.
     */
    async function cacheAtFixedRate() {
      const cached = await api('S2-rate', 'S2 at a fixed rate', {});
      const uncached = await api('S3-rate', 'S3 at a fixed rate', { AUTH_TOKEN_CACHE: 'false' });
      await load(cached, token, WARMUP || 1, FIXED_RATE);
      await load(uncached, token, WARMUP || 1, FIXED_RATE);
      const differences: number[] = [];
      const cpu = { S2: [] as number[], S3: [] as number[] };
      for (let round = 1; round <= ROUNDS; round += 1) {
        const s2 = await load(cached, token, DURATION, FIXED_RATE);
        const s3 = await load(uncached, token, DURATION, FIXED_RATE);
        cpu.S2.push(s2.cpuMicrosPerRequest);
        cpu.S3.push(s3.cpuMicrosPerRequest);
        differences.push(s3.cpuMicrosPerRequest - s2.cpuMicrosPerRequest);
        console.log(
          `fixed ${FIXED_RATE} req/s: S2 ${s2.cpuMicrosPerRequest} µs/req, S3 ${s3.cpuMicrosPerRequest} µs/req (${s2.rps} and ${s3.rps} req/s)`,
        );
      }
      return {
        rate: FIXED_RATE,
        s2: Math.round(median(cpu.S2)),
        s3: Math.round(median(cpu.S3)),
        difference: Math.round(median(differences)),
        rounds: differences,
      };
    }
    /** Every variant beside S1 and S2, in paired rounds; the rows of the table. */
    async function measure(): Promise<Row[]> {
      // References and S2 run throughout; each variant is started alone and measured in rounds
      // paired with S2 (S1, S2, variant), so a drift of the machine hits both sides of a difference.
      const s1 = await reference('apollo', 'S1', 'bare Apollo on Fastify');
      const s1n = await reference('nest', 'S1n', 'smallest NestJS + Apollo app');
      const s2Title = 'the API, everything on';
      const variants: [string, string, Record<string, string>, boolean][] = CUMULATIVE
        ? FEATURES.map((_, index) => {
            const off = FEATURES.slice(0, index + 1);
            return [
              `cumulative-${index + 1}`,
              `${off.join(' + ')} off`,
              { BENCH_FEATURES_OFF: off.join(',') },
              off.includes('cookies'),
            ];
          })
        : [
            [
              'S3',
              'token cache off (AUTH_TOKEN_CACHE=false)',
              { AUTH_TOKEN_CACHE: 'false' },
              false,
            ],
            [
              'metrics',
              'metrics on (METRICS_PORT)',
              { METRICS_PORT: String(await freePort()) },
              false,
            ],
            // Off by default: "saved" is negative, what turning it on costs.
            [
              'startup-release-on',
              'compacting collection at start (RELEASE_STARTUP_MEMORY=true)',
              { RELEASE_STARTUP_MEMORY: 'true' },
              false,
            ],
            ...FEATURES.map((feature): [string, string, Record<string, string>, boolean] => [
              feature,
              `${feature} off`,
              { BENCH_FEATURES_OFF: feature },
              feature === 'cookies',
            ]),
            ['all-off', 'every switch off', { BENCH_FEATURES_OFF: BENCH_FEATURES.join(',') }, true],
          ];
      console.log(`${variants.length} variants, each paired with S2 in ${ROUNDS} rounds...`);
      for (const server of [s1, s1n]) if (WARMUP > 0) await load(server, token, WARMUP);
      const runs = new Map<string, Awaited<ReturnType<typeof load>>[]>();
      const savings = new Map<string, number[]>();
      const record = (server: Server, run: Awaited<ReturnType<typeof load>>) => {
        runs.set(server.id, [...(runs.get(server.id) ?? []), run]);
        console.log(
          `${server.id}: ${run.rps} req/s, ${run.cpuMicrosPerRequest} µs/req, ${run.errors} errors`,
        );
      };
      for (const [id, title, env, bearer] of variants) {
        // A fresh S2 beside each fresh variant, warmed alike. Paired with one S2 started at the
        // beginning, every variant's first round came out about 20 µs dearer: a process that has
        // run longer has a settled heap and hotter code.
        const s2 = await api('S2', s2Title, {});
        const variant = await api(id, title, env, { bearer });
        if (WARMUP > 0) for (const server of [s2, variant]) await load(server, token, WARMUP);
        for (let round = 1; round <= ROUNDS; round += 1) {
          const reference = await load(s1, token, DURATION);
          const base = await load(s2, token, DURATION);
          const run = await load(variant, token, DURATION);
          record(s1, reference);
          record(s2, base);
          record(variant, run);
          savings.set(id, [
            ...(savings.get(id) ?? []),
            base.cpuMicrosPerRequest - run.cpuMicrosPerRequest,
          ]);
        }
        for (const server of [s2, variant]) {
          await server.process.stop();
          servers.splice(servers.indexOf(server), 1);
        }
      }
      for (let round = 1; round <= ROUNDS; round += 1)
        record(s1n, await load(s1n, token, DURATION));
      const titles = new Map<string, string>([
        [s1.id, s1.title],
        [s1n.id, s1n.title],
        ['S2', s2Title],
        ...variants.map(([id, title]): [string, string] => [id, title]),
      ]);
      const measured: Row[] = [...titles].map(([id, title]) => {
        const own = runs.get(id)!;
        return {
          id,
          title,
          rps: Math.round(median(own.map((run) => run.rps))),
          rpsPerRound: own.map((run) => run.rps),
          cpuMicrosPerRequest: Math.round(median(own.map((run) => run.cpuMicrosPerRequest))),
          saved: savings.has(id) ? Math.round(median(savings.get(id)!)) : undefined,
          savedPerRound: savings.get(id),
          errors: own.reduce((sum, run) => sum + run.errors, 0),
        };
      });
      return measured;
    }

    let profile = '';
    if (hasFlag('profile') || hasFlag('profile-only'))
      profile = [
        await profileServer(api, token, workDir, 'S2', {}),
        await profileServer(api, token, workDir, 'S3', { AUTH_TOKEN_CACHE: 'false' }),
        // `--profile-off request-log`: the same profile with that one feature off, to compare.
        ...(PROFILE_OFF
          ? [
              await profileServer(api, token, workDir, `${PROFILE_OFF} off`, {
                BENCH_FEATURES_OFF: PROFILE_OFF,
              }),
            ]
          : []),
      ].join('\n\n');

    const report = render(rows, signatureMicros, cache, profile, (Date.now() - started) / 1000);
    console.log(`\n${report}`);
    const out = join(ROOT, 'bench', 'results', 'runs');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'breakdown.md'), report);
    console.log(`Written to ${join(out, 'breakdown.md')}`);
    const errors = rows.reduce((sum, row) => sum + row.errors, 0);
    console.log(errors === 0 ? 'No failed requests.' : `${errors} failed requests`);
    process.exitCode = errors === 0 ? 0 : 1;
  } finally {
    await cleanUp();
  }
}

/** A server under 10 s of load with --cpu-prof; the summary of where its time went. */
async function profileServer(
  api: (
    id: string,
    title: string,
    env: Record<string, string>,
    options?: { nodeArgs?: string[] },
  ) => Promise<Server>,
  token: string,
  workDir: string,
  id: string,
  env: Record<string, string>,
): Promise<string> {
  const dir = join(workDir, `profile-${id.replace(/\W+/g, '-')}`);
  mkdirSync(dir);
  const server = await api(`${id}-profiled`, `${id} under --cpu-prof`, env, {
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
  });
  await load(server, token, 3);
  const measured = await load(server, token, 10);
  await server.process.stop();
  // One file per thread, named CPU.<date>.<time>.<pid>.<thread id>.<n>: 0 is the event loop.
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => ({ name, thread: Number(name.split('.')[4]) }))
    .sort((a, b) => a.thread - b.thread);
  if (files.length === 0) return `No profile of ${id} was written.`;
  return files
    .map(({ name, thread }) =>
      summarizeProfile(JSON.parse(readFileSync(join(dir, name), 'utf8')), {
        title: thread === 0 ? id : `${id}, the verify thread (AUTH_VERIFY_THREAD)`,
        windowSeconds: 10,
        requests: measured.requests,
      }),
    )
    .join('\n\n');
}

function render(
  rows: readonly Row[],
  signatureMicros: number,
  cache: { rate: number; s2: number; s3: number; difference: number; rounds: number[] } | undefined,
  profile: string,
  seconds: number,
): string {
  const by = Object.fromEntries(rows.map((row) => [row.id, row]));
  const s1 = by.S1;
  const ratio = (row: Row) => (s1 ? (row.rps / s1.rps).toFixed(2) : '–');
  const saved = (row: Row) => row.saved ?? 0;
  const features = rows
    .filter((row) => (BENCH_FEATURES as readonly string[]).includes(row.id))
    .sort((a, b) => saved(b) - saved(a));
  const line = (row: Row, cost = '') =>
    `| ${row.id} | ${row.title} | ${row.rps} | ${ratio(row)} | ${row.cpuMicrosPerRequest} | ${row.saved === undefined ? '' : `${row.saved} (${row.savedPerRound!.join(', ')})`} | ${cost} |`;
  const cumulative = rows.filter((row) => row.id.startsWith('cumulative-'));
  const cacheSaving = by.S3?.saved === undefined ? NaN : -by.S3.saved;
  return [
    `# npm run bench:breakdown`,
    '',
    `${new Date().toISOString()}, Node ${process.version}; \`{ __typename }\` with a valid ES256 token, ${CONNECTIONS} connections, rounds of ${DURATION} s; API in production mode logging at info. Each variant is started together with a fresh S2 (both warmed alike) and runs beside S1 and that S2, in ${ROUNDS} rounds of S1, S2, variant back to back. "Saved" is the median over those rounds of S2's server CPU per request minus the variant's (each round in brackets): what switching that one feature off saves${CUMULATIVE ? ' (here, with --cumulative, the features of the row together)' : ''}. req/s and CPU are medians over all rounds (S1 and an S2 ran in every round).`,
    '',
    '| | server | req/s | ÷ S1 | server CPU µs/req | saved µs/req (rounds) | what switching it off costs users |',
    '|---|---|---|---|---|---|---|',
    ...['S1', 'S1n', 'S2'].flatMap((id) => (by[id] ? [line(by[id])] : [])),
    ...features.map((row) => line(row, WHAT_IT_COSTS[row.id as BenchFeature])),
    ...(by['all-off'] ? [line(by['all-off'], 'all of the above')] : []),
    ...(by.metrics
      ? [line(by.metrics, 'nothing: metrics are extra work (negative = they cost)')]
      : []),
    ...(by.S3 ? [line(by.S3, 'a signature check on every request')] : []),
    ...cumulative.map((row, index) =>
      line(
        row,
        index === 0
          ? WHAT_IT_COSTS[FEATURES[0]]
          : `the row above's, and: ${WHAT_IT_COSTS[FEATURES[index]]}`,
      ),
    ),
    '',
    ...(by.S3
      ? [
          `Token cache at full load: S3 − S2 = ${Number.isFinite(cacheSaving) ? cacheSaving : '–'} µs of server CPU per request; one ES256 signature check (passport-jwt's jsonwebtoken call, a parsed KeyObject) in a loop in this process: ${signatureMicros} µs${Number.isFinite(cacheSaving) ? ` (${Math.round((cacheSaving / signatureMicros) * 100)}% of it; target 80 to 120%)` : ''}.`,
        ]
      : []),
    '',
    cache
      ? `Token cache at the same ${cache.rate} req/s for both: S2 ${cache.s2}, S3 ${cache.s3} µs of server CPU per request; S3 − S2 = ${cache.difference} µs (rounds ${cache.rounds.join(', ')}), ${Math.round((cache.difference / signatureMicros) * 100)}% of the signature check timed in a loop.`
      : '',
    '',
    profile,
    '',
    `Whole run ${seconds.toFixed(0)} s.`,
    '',
  ].join('\n');
}

void main();
