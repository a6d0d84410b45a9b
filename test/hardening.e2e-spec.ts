import { toGlobalId } from '../src/common/ids';
import { mongo } from 'mongoose';
import { ItemsRepository } from '../src/items/items.repository';
import { UsersRepository } from '../src/users/users.repository';
import {
  graphql,
  JANE,
  login,
  makeTestKeys,
  seedSampleData,
  signToken,
} from './support/auth-helpers';
import { startOwnDatabase } from './support/own-database';
import {
  startTestApp,
  testDatabaseUri,
  uniqueDatabaseName,
  type TestApp,
} from './support/test-app';

const JANE_ID = toGlobalId('User', JANE.id);

/** What the driver throws when the database cannot be reached; none of its text may reach a client. */
const unreachable = () => new mongo.MongoNetworkError('connect ECONNREFUSED 10.1.2.3:27017');

/** The answer to an operation whose data could not be read: SERVICE_UNAVAILABLE, no driver text. */
function expectUnavailable(body: { errors?: Array<{ extensions?: unknown }> }): void {
  expect(body.errors?.[0].extensions).toMatchObject({
    code: 'SERVICE_UNAVAILABLE',
    requestId: expect.any(String),
  });
  expect(JSON.stringify(body)).not.toMatch(/10\.1\.2\.3|ECONNREFUSED|Mongo/);
}

function nested(depth: number): string {
  let inner = 'id';
  for (let i = 0; i < depth; i += 1)
    inner = `orders(first: 1) { edges { node { user { ${inner} } } } }`;
  return `{ viewer { ${inner} } }`;
}

describe('hostile queries (production mode)', () => {
  let app: TestApp;
  let token: string;
  const post = (body: string, headers: Record<string, string> = {}) =>
    app.request('/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: `${app.config.auth.cookie.name}=${token}`,
        ...headers,
      },
      body,
    });

  beforeAll(async () => {
    const keys = await makeTestKeys();
    // Production refuses to seed development passwords: seed through a development app, first,
    // since passport keeps the 'jwt' strategy of the app started last.
    const mongodbUri = testDatabaseUri(uniqueDatabaseName());
    const dev = await startTestApp({ mongodbUri, env: keys.env });
    await seedSampleData(dev);
    await dev.close();
    app = await startTestApp({
      mongodbUri,
      env: {
        ...keys.env,
        NODE_ENV: 'production',
        COOKIE_SECURE: 'true',
        CORS_ORIGINS: 'https://app.example.com',
      },
    });
    token = await login(app, JANE);
  });
  afterAll(async () => {
    await app.connection.dropDatabase();
    await app.close();
  });

  it('answers the legacy operations within the limits', async () => {
    const { status, body } = await graphql(
      app,
      `{ listUserOrders(user_id: "${JANE_ID}") { edges { node { id user { username } payer { username } order_items { edges { node { desc item { desc item_price { amount } } } } } } } } }`,
      { token },
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
  });

  it('refuses a depth bomb', async () => {
    const response = await graphql(app, nested(6), { token });
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(response.body.errors?.[0].extensions?.requestId).toEqual(expect.any(String));
    expect(response.body.data).toBeUndefined();
  });

  it('refuses alias amplification, of queries and of mutations', async () => {
    const queries = `{ ${Array.from({ length: 100 }, (_, i) => `a${i}: viewer { id }`).join(' ')} }`;
    expect((await graphql(app, queries, { token })).status).toBe(400);
    const mutations = `mutation { ${Array.from({ length: 50 }, (_, i) => `m${i}: createOrder(input: {order_data: {user_id: "${JANE_ID}", order_items: []}}) { order_id }`).join(' ')} }`;
    const response = await graphql(app, mutations, { token });
    expect(response.status).toBe(400);
    expect(response.body.data).toBeUndefined();
  });

  it('refuses fragment cycles', async () => {
    const response = await graphql(
      app,
      'query { viewer { ...A } } fragment A on User { ...B } fragment B on User { ...A }',
      { token },
    );
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses field duplication past the token limit', async () => {
    const response = await graphql(app, `{ viewer { ${'id '.repeat(3000)} } }`, { token });
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(response.body.errors?.[0].extensions?.requestId).toEqual(expect.any(String));
  });

  it('refuses huge lists and list products over the cost limit', async () => {
    const huge = await graphql(app, '{ listUsers(first: 1000000) { edges { node { id } } } }', {
      token,
    });
    expect(huge.body.errors?.[0].extensions?.code).toMatch(
      /BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/,
    );
    const product = await graphql(
      app,
      `
        {
          listUsers(first: 100) {
            edges {
              node {
                orders(first: 100) {
                  edges {
                    node {
                      order_items(first: 100) {
                        edges {
                          node {
                            desc
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      `,
      { token },
    );
    expect(product.status).toBe(400);
    expect(product.body.errors?.[0].message).toMatch(/too expensive/);
    expect(product.body.errors?.[0].extensions?.requestId).toEqual(expect.any(String));
  });

  it('refuses an oversized body and a batched array body', async () => {
    expect(
      (await post(JSON.stringify({ query: `{ viewer { id } } # ${'x'.repeat(200_000)}` }))).status,
    ).toBe(413);
    const batched = await post(
      JSON.stringify([{ query: '{ viewer { id } }' }, { query: '{ viewer { id } }' }]),
    );
    expect(batched.status).toBe(400);
  });

  it('hides introspection and field suggestions in production', async () => {
    const introspection = await graphql(app, '{ __schema { types { name } } }', { token });
    expect(introspection.body.data ?? null).toBeNull();
    expect(introspection.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const typo = await graphql(app, '{ viewr { id } }', { token });
    expect(typo.body.errors?.[0].message).not.toMatch(/Did you mean/);
  });

  it('never runs a mutation from GET, nor an operation from a text/plain or form POST', async () => {
    const mutation = encodeURIComponent(
      `mutation { createOrder(input: {order_data: {user_id: "${JANE_ID}", order_items: []}}) { order_id } }`,
    );
    const viaGet = await app.request(`/graphql?query=${mutation}`, {
      headers: {
        cookie: `${app.config.auth.cookie.name}=${token}`,
        'apollo-require-preflight': 'true',
      },
    });
    expect(viaGet.status).toBe(405);
    const textPlain = await post(JSON.stringify({ query: '{ viewer { id } }' }), {
      'content-type': 'text/plain',
    });
    expect(textPlain.status).toBeGreaterThanOrEqual(400);
    const form = await app.request('/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `${app.config.auth.cookie.name}=${token}`,
      },
      body: 'query=%7Bviewer%7Bid%7D%7D',
    });
    expect(form.status).toBeGreaterThanOrEqual(400);
    expect(await form.text()).not.toContain('"viewer"');
  });

  it('never hints at the sample accounts on the login page in production', async () => {
    const page = await (await app.request('/auth/login')).text();
    expect(page).toContain('Sign in to User-Order API');
    expect(page).not.toMatch(/jane01|dev-password/);
  });

  it('serves no GraphiQL in production (GRAPHIQL is off by default there)', async () => {
    const response = await app.request('/graph', {
      headers: { accept: 'text/html', cookie: `${app.config.auth.cookie.name}=${token}` },
    });
    expect(await response.text()).not.toContain('graphiql');
    expect((await app.request('/graphiql/assets/graphiql.js')).status).toBe(404);
  });

  it("sends helmet's headers with pages, and the API set with JSON answers", async () => {
    const page = await app.request('/auth/login');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    const json = await app.request('/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: `${app.config.auth.cookie.name}=${token}`,
      },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toContain('application/json');
    expect(json.headers.get('content-security-policy')).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
    expect(json.headers.get('x-content-type-options')).toBe('nosniff');
    expect(json.headers.get('x-frame-options')).toBe('DENY');
    expect(json.headers.get('strict-transport-security')).toContain('max-age=');
    expect(json.headers.get('cross-origin-opener-policy')).toBeNull();
  });
});

describe('database outage during requests', () => {
  it('fails queries within the bounded time with SERVICE_UNAVAILABLE, and recovers by itself', async () => {
    const database = await startOwnDatabase('outage');
    const keys = await makeTestKeys();
    const app = await startTestApp({
      mongodbUri: database.uri('outage'),
      env: keys.env,
    });
    try {
      await seedSampleData(app);
      const token = await login(app, JANE);
      const query = '{ listItems { edges { node { desc } } } }';
      expect((await graphql(app, query, { token })).status).toBe(200);
      await database.stop();
      const started = Date.now();
      const down = await graphql(app, query, { token });
      const elapsed = Date.now() - started;
      expect(down.body.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
      expect(down.body.errors?.[0].message).not.toMatch(/127\.0\.0\.1|Mongo|ECONNREFUSED/);
      expect(elapsed).toBeLessThan(2_000);
      await database.start();
      const deadline = Date.now() + 15_000;
      let recovered = false;
      while (!recovered && Date.now() < deadline) {
        recovered = (await graphql(app, query, { token })).body.errors === undefined;
        if (!recovered) await new Promise((r) => setTimeout(r, 200));
      }
      expect(recovered).toBe(true);
    } finally {
      await app.close();
      await database.dispose();
    }
  });
});

describe('a repository whose database has gone away (provider overridden)', () => {
  it('answers SERVICE_UNAVAILABLE with the request id and no driver text', async () => {
    const keys = await makeTestKeys();
    const app = await startTestApp({
      env: {
        ...keys.env,
        NODE_ENV: 'production',
        COOKIE_SECURE: 'true',
        CORS_ORIGINS: 'https://app.example.com',
      },
      override: (builder) =>
        builder.overrideProvider(UsersRepository).useValue({
          findByIds: () => Promise.reject(unreachable()),
        }),
    });
    try {
      const token = await signToken(keys);
      const { status, body } = await graphql(app, '{ viewer { username } }', { token });
      expect(status).toBe(200);
      expect(body.data).toEqual({ viewer: null });
      expectUnavailable(body);
    } finally {
      await app.close();
    }
  });
});

describe("an order's lines while the items cannot be read", () => {
  it('answers SERVICE_UNAVAILABLE, not lines without their items', async () => {
    const app = await startTestApp();
    try {
      await seedSampleData(app);
      const token = await login(app, JANE);
      jest.spyOn(app.app.get(ItemsRepository), 'findByIds').mockRejectedValue(unreachable());
      const { body } = await graphql<{ listUserOrders: unknown }>(
        app,
        `{ listUserOrders(user_id: "${JANE_ID}", first: 1) { edges { node { order_items { edges { node { desc } } } } } } }`,
        { token },
      );
      expect(body.data).toEqual({ listUserOrders: { edges: [{ node: { order_items: null } }] } });
      expectUnavailable(body);
    } finally {
      await app.close();
    }
  });
});

describe('GraphQL rate limit', () => {
  it('answers 429 TOO_MANY_REQUESTS with Retry-After once a viewer passes the limit', async () => {
    const keys = await makeTestKeys();
    const app = await startTestApp({ env: { ...keys.env, GRAPHQL_RATE_LIMIT_PER_MINUTE: '5' } });
    try {
      await seedSampleData(app);
      const token = await login(app, JANE);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i += 1)
        statuses.push((await graphql(app, '{ viewer { id } }', { token })).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      const response = await app.request('/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          cookie: `${app.config.auth.cookie.name}=${token}`,
        },
        body: JSON.stringify({ query: '{ viewer { id } }' }),
      });
      expect(response.status).toBe(429);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      const body = (await response.json()) as {
        data?: unknown;
        errors: { extensions: Record<string, unknown> }[];
      };
      expect(body.errors[0].extensions).toMatchObject({
        code: 'TOO_MANY_REQUESTS',
        requestId: expect.any(String),
      });
      expect(body.data).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});

describe('limit boundaries (defaults): the largest legitimate query passes, one step more is refused', () => {
  let app: TestApp;
  let token: string;
  beforeAll(async () => {
    const keys = await makeTestKeys();
    app = await startTestApp({ env: { ...keys.env, GRAPHQL_RATE_LIMIT_PER_MINUTE: '100000' } });
    await seedSampleData(app);
    token = await login(app, JANE);
  });
  afterAll(() => app.close());
  const status = async (query: string) => (await graphql(app, query, { token })).status;

  const depthQuery = (depth: number) => {
    let inner = '__typename';
    for (let d = depth - 1; d > 0; d -= 1)
      inner =
        d % 4 === 1
          ? `orders(first: 1) { ${inner} }`
          : d % 4 === 2
            ? `edges { ${inner} }`
            : d % 4 === 3
              ? `node { ${inner} }`
              : `user { ${inner} }`;
    return `{ viewer { ${inner} } }`;
  };
  // graphql-armor counts the leaf too: depthQuery(11) has depth 12.
  it('depth 12 passes, 13 is refused', async () => {
    expect(await status(depthQuery(11))).toBe(200);
    expect(await status(depthQuery(12))).toBe(400);
  });
  it('15 aliases pass, 16 are refused', async () => {
    const aliases = (n: number) =>
      `{ ${Array.from({ length: n }, (_, i) => `a${i}: viewer { id }`).join(' ')} }`;
    expect(await status(aliases(15))).toBe(200);
    expect(await status(aliases(16))).toBe(400);
  });
  it('2,000 tokens pass, 2,001 are refused', async () => {
    // `{ nodes(ids: [ ... ]) { id } }` is 12 tokens around the list of ids.
    const tokens = (n: number) => `{ nodes(ids: [${'"x" '.repeat(n - 12)}]) { id } }`;
    expect(await status(tokens(2000))).toBe(200);
    expect(await status(tokens(2001))).toBe(400);
  });
  it('cost 25,000 passes, more is refused', async () => {
    // cost = 1 + 100 * (3 + 3 * inner): 24,901 with inner = 82, 25,201 with 83.
    const cost = (first: number, inner: number) =>
      `{ listUsers(first: ${first}) { edges { node { orders(first: ${inner}) { edges { node { id } } } } } } }`;
    expect(await status(cost(100, 82))).toBe(200);
    expect(await status(cost(100, 83))).toBe(400);
  });
});
