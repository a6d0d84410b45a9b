import { errorBody, graphql, signupJson } from './support/auth-helpers';
import { Logger } from '@nestjs/common';
import { MongoCounterCollection } from '../src/rate-limits/mongo-counter-collection';
import { makeTestKeys, signToken, waitFor, type TestKeys } from './support';
import { startOwnDatabase } from './support/own-database';
import { redisServerInstalled, startRedis } from './support/redis-server';
import {
  startTestApp,
  testDatabaseUri,
  uniqueDatabaseName,
  type TestApp,
} from './support/test-app';

const UNAVAILABLE = 'The service is temporarily unavailable; try again shortly';

/** A sign-up that passes every rule, for a username not taken yet. */
function newUser(app: TestApp, username: string): Promise<Response> {
  return signupJson(app, {
    username,
    password: 'a-long-enough-password',
    primary_email: `${username}@example.com`,
  });
}

function failedLogin(app: TestApp, username: string): Promise<Response> {
  return app.request('/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'not-the-password' }),
  });
}

interface LogLine {
  level: string;
  msg?: string;
  context?: string;
}
const parsed = (app: TestApp): LogLine[] => app.logs.map((line) => JSON.parse(line) as LogLine);
/**
 * How many apps said their rate limits' Redis client is connected (the line an operator sees).
 * Test apps share one log stream, so an app's captured lines include those of apps started after it.
 */
const redisReadyLines = (app: TestApp) =>
  parsed(app).filter((line) => line.msg === 'Rate limits counted in Redis').length;

// The bare harness, not the kit's app: these tests need the production limits the kit raises.
describe('rate limits shared by every process (MongoDB by default)', () => {
  let keys: TestKeys;
  const apps: TestApp[] = [];
  beforeAll(async () => {
    keys = await makeTestKeys();
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  it('refuses the sixth failed sign-in for a username whichever process receives it', async () => {
    const mongodbUri = testDatabaseUri(uniqueDatabaseName());
    const env = { ...keys.env, LOGIN_RATE_LIMIT_PER_ADDRESS: '1000' };
    const first = await startTestApp({ env, mongodbUri, captureLogs: true });
    apps.push(first);
    const second = await startTestApp({ env, mongodbUri });
    apps.push(second);
    try {
      const statuses = [];
      for (let i = 0; i < 5; i += 1)
        statuses.push((await failedLogin(i % 2 ? second : first, 'Victim01')).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401]);
      // Five failures, spread over two processes: the sixth is refused by both.
      for (const app of [first, second]) {
        const refused = await failedLogin(app, 'victim01');
        expect(refused.status).toBe(429);
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      // Another username is counted on its own.
      expect((await failedLogin(second, 'bystander')).status).toBe(401);
      // The counters are documents of the shared database.
      const stored = await first.connection
        .collection('rate_limits')
        .find({ key: 'login_username:victim01' })
        .toArray();
      expect(stored).toHaveLength(1);
      expect(stored[0].points).toBe(5);
      // An expired counter is swept away; a live one stays.
      const counters = first.connection.collection('rate_limits');
      await counters.insertOne({
        key: 'login_username:gone',
        points: 3,
        expire: new Date(Date.now() - 1_000),
      });
      const sweeper = new MongoCounterCollection(first.connection, new Logger('RateLimits'));
      expect(await sweeper.sweep()).toBe(1);
      expect(await counters.countDocuments({ key: 'login_username:victim01' })).toBe(1);
      // FerretDB refuses TTL indexes: one informational line, no error, no warning about it.
      const lines = parsed(first).filter((line) => line.context === 'RateLimits');
      expect(lines.filter((line) => line.level !== 'info')).toEqual([]);
      expect(lines.map((line) => line.msg)).toEqual(
        expect.arrayContaining([expect.stringMatching(/no TTL indexes.*deleted once a minute/)]),
      );
    } finally {
      await first.connection.dropDatabase().catch(() => undefined);
    }
  });

  it('limits sign-ups per address', async () => {
    const app = await startTestApp({ env: { ...keys.env, SIGNUP_RATE_LIMIT_PER_ADDRESS: '2' } });
    apps.push(app);
    const signup = (i: number) => newUser(app, `newcomer${i}`);
    expect((await signup(1)).status).toBe(201);
    expect((await signup(2)).status).toBe(201);
    const refused = await signup(3);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual(
      errorBody(
        refused,
        429,
        'TOO_MANY_REQUESTS',
        'Too many sign-up attempts. Try again in a minute.',
      ),
    );
    // Refused before anything was written; the two admitted are there.
    const users = app.connection.collection('user');
    expect(await users.countDocuments({ username: 'newcomer3' })).toBe(0);
    expect(await users.countDocuments({ username: { $in: ['newcomer1', 'newcomer2'] } })).toBe(2);
  });

  it('refuses sign-in with 503 while the counters cannot be read, and recovers by itself', async () => {
    const database = await startOwnDatabase('rate-limit-outage');
    try {
      const app = await startTestApp({
        env: { ...keys.env, DB_TIMEOUT: '500ms' },
        mongodbUri: database.uri('limits'),
      });
      apps.push(app);
      expect((await failedLogin(app, 'someone')).status).toBe(401);
      await database.stop();
      const refused = await failedLogin(app, 'someone');
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('30');
      expect(await refused.json()).toEqual(
        errorBody(refused, 503, 'SERVICE_UNAVAILABLE', UNAVAILABLE),
      );
      await database.start();
      await waitFor(
        'sign-in to answer again',
        async () => (await failedLogin(app, 'someone')).status === 401,
      );
    } finally {
      await database.dispose();
    }
  });
});

const withRedis = redisServerInstalled() ? describe : describe.skip;
if (!redisServerInstalled())
  console.warn(
    'SKIPPED: the Redis rate-limit tests need redis-server (apt-get install redis-server; .ci/run installs it)',
  );

withRedis('rate limits in Redis (RATE_LIMIT_REDIS_URL)', () => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  it('shares the GraphQL limits; a Redis outage lets GraphQL through and refuses sign-in, logged once', async () => {
    const redis = await startRedis();
    try {
      const keys = await makeTestKeys();
      const mongodbUri = testDatabaseUri(uniqueDatabaseName());
      const env = {
        ...keys.env,
        RATE_LIMIT_REDIS_URL: redis.url,
        GRAPHQL_RATE_LIMIT_PER_MINUTE: '3',
      };
      const first = await startTestApp({ env, mongodbUri, captureLogs: true });
      apps.push(first);
      const second = await startTestApp({ env, mongodbUri, captureLogs: true });
      apps.push(second);
      const token = await signToken(keys);
      await waitFor('both processes to reach Redis', async () => redisReadyLines(first) >= 2);
      const statuses = [];
      for (let i = 0; i < 4; i += 1)
        statuses.push((await graphql(i % 2 ? second : first, '{ __typename }', { token })).status);
      // Three per viewer per minute across both processes: the fourth is refused.
      expect(statuses).toEqual([200, 200, 200, 429]);

      await redis.stop();
      // GraphQL fails open: far past the limit, every request is served.
      for (let i = 0; i < 6; i += 1)
        expect((await graphql(i % 2 ? second : first, '{ __typename }', { token })).status).toBe(
          200,
        );
      // Sign-in fails closed.
      const refused = await failedLogin(first, 'someone');
      expect(refused.status).toBe(503);
      const warnings = parsed(first).filter(
        (line) =>
          line.level === 'warn' && /store of the graphql_viewer rate limit/.test(line.msg ?? ''),
      );
      // Six requests on two processes: one line per process and limit, not one per request.
      expect(warnings.length).toBe(2);
      expect(warnings[0].msg).toMatch(/requests are let through until it does/);

      await redis.start();
      await waitFor(
        'sign-in to answer again',
        async () => (await failedLogin(first, 'someone')).status === 401,
      );
    } finally {
      for (const app of apps.splice(0)) await app.close();
      await redis.stop();
    }
  });

  it('answers a sign-up 503 while MongoDB is down though Redis admits it, writes nothing, and recovers', async () => {
    const redis = await startRedis();
    const database = await startOwnDatabase('signup-outage');
    try {
      const keys = await makeTestKeys();
      const app = await startTestApp({
        env: {
          ...keys.env,
          RATE_LIMIT_REDIS_URL: redis.url,
          DB_TIMEOUT: '500ms',
          // The retries below while the database comes back count too.
          SIGNUP_RATE_LIMIT_PER_ADDRESS: '1000',
        },
        mongodbUri: database.uri('signup'),
        captureLogs: true,
      });
      apps.push(app);
      await waitFor('Redis', async () => redisReadyLines(app) >= 1);
      const signup = (username: string) => newUser(app, username);
      expect((await signup('before01')).status).toBe(201);

      await database.stop();
      // The sign-up limit is counted in Redis, which answers: the user store is what fails.
      const refused = await signup('during01');
      expect(refused.status).toBe(503);
      expect(await refused.json()).toEqual(
        errorBody(refused, 503, 'SERVICE_UNAVAILABLE', UNAVAILABLE),
      );

      await database.start();
      await waitFor(
        'sign-up to answer again',
        async () => (await signup('after01')).status === 201,
      );
      // Nothing of the refused sign-up was kept; the others were.
      const users = app.connection.collection('user');
      expect(await users.countDocuments({ username: 'during01' })).toBe(0);
      expect(await users.countDocuments({ username: { $in: ['before01', 'after01'] } })).toBe(2);
    } finally {
      for (const app of apps.splice(0)) await app.close();
      await database.dispose();
      await redis.stop();
    }
  });
});
