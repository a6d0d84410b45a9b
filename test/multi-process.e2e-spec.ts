import { graphql, JANE, tokenCookie } from './support/auth-helpers';
import {
  startServiceProcess,
  stopServiceProcesses,
  type ServiceProcess,
} from './support/service-process';
import { testDatabaseUri, uniqueDatabaseName } from './support/test-app';
import {
  buildDistBeforeAll,
  makeTestKeys,
  signToken,
  startTestApp,
  waitFor,
  type TestKeys,
} from './support';

const VIEWER = '{ viewer { username } }';

/**
 * One auth process and two API-only processes that hold only public keys (one
 * from the environment, one fetched from the auth process's JWKS): a token
 * from the first works on both others, also after the auth process stops.
 */

buildDistBeforeAll();

describe('auth process and API processes', () => {
  let keys: TestKeys;
  let auth: ServiceProcess;
  let apiWithKey: ServiceProcess;
  let apiWithJwks: ServiceProcess;
  let apiWithStaleJwks: ServiceProcess;
  const processes: ServiceProcess[] = [];

  // A seeding app and four process starts: close to a minute on a busy machine.
  beforeAll(async () => {
    keys = await makeTestKeys('ES256');
    const mongodbUri = testDatabaseUri(uniqueDatabaseName());
    const seeder = await startTestApp({ mongodbUri, seed: true });
    await seeder.close();

    // The test run's one database also serves other files' deliberately slow scans meanwhile.
    const database = { MONGODB_URI: mongodbUri, DB_TIMEOUT: '10s' };
    auth = await startServiceProcess({
      APP_ROLE: 'auth',
      ...database,
      JWT_PRIV_KEY_B64: keys.env.JWT_PRIV_KEY_B64,
    });
    processes.push(auth);
    const api = { APP_ROLE: 'api', ...database, AUTH_URL: auth.url };
    // They need only the auth process, so they start side by side.
    [apiWithKey, apiWithJwks, apiWithStaleJwks] = await Promise.all([
      startServiceProcess({ ...api, JWT_PUB_KEY_B64: keys.env.JWT_PUB_KEY_B64 }),
      startServiceProcess({ ...api, JWKS_URL: `${auth.url}/.well-known/jwks.json` }),
      // Its copy of the key set is stale a second after each fetch.
      startServiceProcess({
        ...api,
        JWKS_URL: `${auth.url}/.well-known/jwks.json`,
        JWKS_CACHE_MAX_AGE: '1s',
      }),
    ]);
    processes.push(apiWithKey, apiWithJwks, apiWithStaleJwks);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    // Any that a timed-out beforeAll left behind.
    await stopServiceProcesses();
  });

  let token: string;

  it('signs in at the auth process', async () => {
    const response = await fetch(`${auth.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: JANE.username, password: JANE.password }),
    });
    expect(response.status).toBe(200);
    token = tokenCookie(response)!.value;
  });

  it('the auth-only process serves no GraphQL, the API-only processes no login', async () => {
    expect(
      (
        await fetch(`${auth.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"query":"{__typename}"}',
        })
      ).status,
    ).toBe(404);
    expect((await fetch(`${apiWithKey.url}/auth/login`)).status).toBe(404);
    expect(apiWithKey.output()).not.toMatch(/generated a development/);
  });

  it('both API processes accept the token', async () => {
    for (const api of [apiWithKey, apiWithJwks]) {
      const { status, body } = await graphql(api.url, VIEWER, { token });
      expect(body).toEqual({ data: { viewer: { username: 'jane01' } } });
      expect(status).toBe(200);
    }
  });

  it('an API process sends browsers to the auth process to renew their session or sign in', async () => {
    const response = await fetch(`${apiWithKey.url}/graph`, {
      headers: { accept: 'text/html' },
      redirect: 'manual',
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toMatch(
      new RegExp(`^${auth.url}/auth/refresh\\?return_to=http`),
    );
  });

  it('both still accept it after the auth process has stopped', async () => {
    expect(await auth.stop()).toBe(0);
    // A token they have never seen, so no cache can help: verification is local.
    const fresh = await signToken(keys);
    for (const api of [apiWithKey, apiWithJwks]) {
      const { status, body } = await graphql(api.url, VIEWER, { token: fresh });
      expect(status).toBe(200);
      expect(body.data).toEqual({ viewer: { username: 'jane01' } });
    }
  });

  it('a process whose fetched key set went stale meanwhile keeps using it, and says so', async () => {
    const saysSo = /key set could not be fetched .*using the last one fetched until it can/;
    let attempt = 0;
    // Its copy goes stale a second after the last fetch, and the failed refetch runs beside the
    // request: each request must be served, until the process has said so.
    await waitFor(
      'the stale key set to be reported',
      async () => {
        attempt += 1;
        const fresh = await signToken(keys, { jti: `never-seen-before-${attempt}` });
        const { status, body } = await graphql(apiWithStaleJwks.url, VIEWER, { token: fresh });
        expect(status).toBe(200);
        expect(body.data).toEqual({ viewer: { username: 'jane01' } });
        return saysSo.test(apiWithStaleJwks.output());
      },
      15_000,
      250,
    );
    expect(apiWithStaleJwks.output()).toMatch(saysSo);
  });

  it('both refuse a token signed by an unknown key', async () => {
    const stranger = await makeTestKeys('ES256');
    const forged = await signToken(stranger);
    for (const api of [apiWithKey, apiWithJwks]) {
      const { status } = await graphql(api.url, VIEWER, { token: forged });
      expect(status).toBe(401);
    }
  });

  it('no process logged a token, cookie value or password', () => {
    const output = processes.map((p) => p.output()).join('\n');
    expect(output).toContain('POST /auth/login');
    for (const secret of [token, token.split('.')[2], JANE.password])
      expect(output).not.toContain(secret);
  });
});
