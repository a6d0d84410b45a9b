import { toGlobalId } from '../src/common/ids';
import {
  ADMIN,
  graphql,
  JANE,
  login,
  loginJson,
  makeTestKeys,
  seedSampleData,
  type GraphQLResponse,
} from './support/auth-helpers';
import { countCommands } from './support/command-counter';
import { startOwnDatabase } from './support/own-database';
import {
  startTestApp,
  testDatabaseUri,
  uniqueDatabaseName,
  type TestApp,
} from './support/test-app';

const JANE_ID = toGlobalId('User', JANE.id);
const FOOD = toGlobalId('Item', '1HEOx6FnC7cM');
const REQUEST_ID = /^[0-9a-f-]{36}$/;

/** Every error answer of the API: a catalogue code and the request id, and no internals. */
function expectClientError(response: GraphQLResponse, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.body.errors?.length).toBeGreaterThan(0);
  for (const error of response.body.errors ?? []) {
    expect(error.extensions).toMatchObject({ code, requestId: expect.stringMatching(REQUEST_ID) });
    expect(error.message).not.toMatch(/Cast to|E11000|Mongo|OrderDocument|user_order|\n\s+at /);
  }
}

describe('everyday client mistakes (production mode)', () => {
  let app: TestApp;
  let jane: string;
  let admin: string;

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
      captureLogs: true,
      env: {
        ...keys.env,
        NODE_ENV: 'production',
        COOKIE_SECURE: 'true',
        CORS_ORIGINS: 'https://app.example.com',
        LOG_LEVEL: 'debug',
      },
    });
    [jane, admin] = await Promise.all([login(app, JANE), login(app, ADMIN)]);
  });
  afterAll(async () => {
    await app.connection.dropDatabase();
    await app.close();
  });

  const raw = (body: string, init: RequestInit = {}) =>
    app.request('/graphql', {
      method: 'POST',
      ...init,
      headers: {
        'content-type': 'application/json',
        cookie: `${app.config.auth.cookie.name}=${jane}`,
        ...init.headers,
      },
      body,
    });
  const asResponse = async (response: Response): Promise<GraphQLResponse> => ({
    status: response.status,
    body: (await response.json()) as GraphQLResponse['body'],
  });
  const ordersOfJane = () => app.connection.collection('user_order').countDocuments();

  describe('variables', () => {
    it.each([
      ['a wrong type', 'query($n: Int) { listUsers(first: $n) { totalCount } }', { n: 'abc' }],
      ['a missing required one', 'query($id: ID!) { getItem(item_id: $id) { desc } }', {}],
      [
        'an unknown input field',
        'mutation($i: CreateUserInput!) { createUser(input: $i) { clientMutationId } }',
        { i: { user_data: { username: 'x1y', primary_email: 'a@b.io', bogus: 1 } } },
      ],
      [
        'a missing input field',
        'mutation($i: CreateUserInput!) { createUser(input: $i) { clientMutationId } }',
        { i: { user_data: { username: 'x1y' } } },
      ],
    ])(
      '%s is BAD_USER_INPUT, HTTP 400, not logged as a server error',
      async (_case, query, variables) => {
        const logged = app.logs.length;
        expectClientError(
          await graphql(app, query, { token: admin, variables }),
          400,
          'BAD_USER_INPUT',
        );
        const errorLines = app.logs
          .slice(logged)
          .map((line) => JSON.parse(line) as { level: number })
          .filter((line) => line.level >= 50);
        expect(errorLines).toEqual([]);
      },
    );
  });

  describe('DateTime', () => {
    const createOrder =
      'mutation($d: DateTime) { createOrder(input: { order_data: { user_id: "' +
      JANE_ID +
      `", order_date: $d, order_items: [{ item_id: "${FOOD}", quantity: 1 }] } }) { completionObj { msg_id } } }`;

    it.each(['not-a-date', '2018-13-45T99:00:00Z', '2019-02-29T10:00:00Z', '2018-01-01', 1e20, 0])(
      'refuses %p as BAD_USER_INPUT and writes nothing',
      async (value) => {
        const before = await ordersOfJane();
        expectClientError(
          await graphql(app, createOrder, { token: jane, variables: { d: value } }),
          400,
          'BAD_USER_INPUT',
        );
        expect(await ordersOfJane()).toBe(before);
      },
    );

    it('refuses an invalid literal as BAD_USER_INPUT too', async () => {
      const literal = createOrder
        .replace('mutation($d: DateTime) ', 'mutation ')
        .replace('$d', '"2018-13-45T99:00:00Z"');
      expectClientError(await graphql(app, literal, { token: jane }), 400, 'BAD_USER_INPUT');
    });

    it('accepts a real moment with a zone, and answers it in UTC', async () => {
      const { body } = await graphql<{ createOrder: { completionObj: { msg_id: string } } }>(
        app,
        createOrder,
        { token: jane, variables: { d: '2020-02-29T10:00:00+02:00' } },
      );
      expect(body.data?.createOrder.completionObj.msg_id).toBe('002');
    });
  });

  it.each([101, 1000, 1_000_000, -1])(
    'first: %p is refused by the page-size rule (BAD_USER_INPUT)',
    async (first) => {
      const { body } = await graphql(app, `{ listUsers(first: ${first}) { totalCount } }`, {
        token: jane,
      });
      expect(body.errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        requestId: expect.stringMatching(REQUEST_ID),
      });
      expect(body.errors?.[0].message).toBe('first must be between 0 and 100');
    },
  );

  describe('malformed HTTP requests on /graphql', () => {
    it.each<[string, () => Promise<Response>, number]>([
      ['an invalid JSON body', () => raw('{"query": '), 400],
      ['an empty body', () => raw(''), 400],
      ['a batched array', () => raw('[{"query":"{ __typename }"}]'), 400],
      [
        'a text/plain POST (CSRF prevention)',
        () => raw('{"query":"{ __typename }"}', { headers: { 'content-type': 'text/plain' } }),
        400,
      ],
      [
        'a mutation over GET',
        () =>
          app.request(
            `/graphql?query=${encodeURIComponent('mutation { createUser(input: {}) { clientMutationId } }')}`,
            {
              headers: {
                'apollo-require-preflight': '1',
                cookie: `${app.config.auth.cookie.name}=${jane}`,
              },
            },
          ),
        405,
      ],
      ['a PUT', () => raw('{}', { method: 'PUT' }), 404],
      [
        'a persisted-query hash that does not match',
        () =>
          raw(
            JSON.stringify({
              query: '{ __typename }',
              extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } },
            }),
          ),
        400,
      ],
    ])(
      '%s: GraphQL-shaped, BAD_REQUEST or NOT_FOUND, with a request id',
      async (_case, send, status) => {
        const response = await asResponse(await send());
        expectClientError(response, status, status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST');
      },
    );

    it('an unknown path under /graphql: NOT_FOUND, GraphQL-shaped', async () => {
      expectClientError(await asResponse(await app.request('/graphql/nope')), 404, 'NOT_FOUND');
    });

    it('a body over the limit: 413, GraphQL-shaped', async () => {
      const response = await asResponse(
        await raw(JSON.stringify({ query: `{ __typename } # ${'x'.repeat(300_000)}` })),
      );
      expectClientError(response, 413, 'BAD_REQUEST');
    });
  });

  describe('text inputs', () => {
    it.each([
      ['username', 'bad\u0000name', 'nul@example.com', null],
      ['primary_email', 'nul.email', 'a\u0000b@example.com', null],
      ['primary_email', 'tab.email', 'a\tb@example.com', null],
      ['full_name', 'del.name', 'del@example.com', 'Del\u007f Name'],
    ] as const)(
      'refuses control characters in %s (DU03, naming it)',
      async (field, username, email, fullName) => {
        const { body } = await graphql<{
          createUser: { completionObj: { msg_id: string; msg: string } };
        }>(
          app,
          'mutation($u: UserInput) { createUser(input: { user_data: $u }) { completionObj { msg_id msg } } }',
          {
            token: admin,
            variables: { u: { username, primary_email: email, full_name: fullName } },
          },
        );
        expect(body.data?.createUser.completionObj).toEqual({
          msg_id: 'DU03',
          msg: `${field} must not contain control characters`,
        });
        expect(await app.connection.collection('user').countDocuments({ username })).toBe(0);
      },
    );
  });

  describe('legacy fidelity', () => {
    it('getUser takes a raw _id, as the original did, in one findOne without a sort', async () => {
      const { result, commands } = await countCommands(app.connection, () =>
        graphql<{ getUser: { username: string } }>(
          app,
          '{ getUser(item_query: "{\\"_id\\": \\"1Eg6d1aFL8s7\\"}") { username } }',
          { token: jane },
        ),
      );
      expect(result.body.data?.getUser).toEqual({ username: 'john01' });
      expect(commands).toEqual(['find user']);
      // The command itself: a plain findOne (limit 1), no sort.
      const sent: Record<string, unknown>[] = [];
      const client = app.connection.getClient();
      const listener = (event: { commandName: string; command: Record<string, unknown> }) => {
        if (event.commandName === 'find' && event.command.find === 'user') sent.push(event.command);
      };
      client.on('commandStarted', listener);
      try {
        await graphql(
          app,
          '{ getUser(item_query: "{\\"_id\\": \\"1Eg6d1aFL8s7\\"}") { username } }',
          {
            token: jane,
          },
        );
      } finally {
        client.off('commandStarted', listener);
      }
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ find: 'user', filter: { _id: '1Eg6d1aFL8s7' }, limit: 1 });
      expect(sent[0].sort).toBeUndefined();
    });

    it('_id is a permitted field of every filter, with equality or $in', async () => {
      const { body } = await graphql<{ listUsers: { edges: { node: { username: string } }[] } }>(
        app,
        'query($f: String) { listUsers(filterValues: { filterValuesString: $f }) { edges { node { username } } } }',
        {
          token: jane,
          variables: { f: JSON.stringify({ _id: { $in: ['1Eg6d1aFL8s7', '1E4Yo11Y3r9a'] } }) },
        },
      );
      expect(body.data?.listUsers.edges.map((e) => e.node.username).sort()).toEqual([
        'jane01',
        'john01',
      ]);
      const items = await graphql<{ listItems: { edges: unknown[] } }>(
        app,
        '{ listItems(filterValues: { filterValuesString: "{\\"_id\\": \\"1HEOx6FnC7cM\\"}" }) { edges { cursor } } }',
        { token: jane },
      );
      expect(items.body.data?.listItems.edges).toHaveLength(1);
    });

    it('names the raw id of an unknown buyer in DO02', async () => {
      const { body } = await graphql<{
        createOrder: { completionObj: { msg_id: string; msg: string; processed: number } };
      }>(
        app,
        `mutation { createOrder(input: { order_data: { user_id: "${toGlobalId('User', 'NoSuchUser00')}", order_items: [{ item_id: "${FOOD}", quantity: 1 }] } }) { completionObj { msg_id msg processed } } }`,
        { token: admin },
      );
      expect(body.data?.createOrder.completionObj).toEqual({
        msg_id: 'DO02',
        msg: 'User NoSuchUser00 not found',
        processed: 0,
      });
    });
  });
});

describe('auth endpoints while the database is down', () => {
  it('answer 503 SERVICE_UNAVAILABLE (JSON, or a page for a browser), then recover', async () => {
    const database = await startOwnDatabase('auth-outage');
    const keys = await makeTestKeys();
    const app = await startTestApp({
      mongodbUri: database.uri('auth_outage'),
      env: keys.env,
    });
    try {
      await seedSampleData(app);
      await database.stop();
      const json = await loginJson(app, JANE.username, JANE.password);
      expect(json.status).toBe(503);
      expect(await json.json()).toEqual({
        statusCode: 503,
        message: 'The service is temporarily unavailable; try again shortly',
        code: 'SERVICE_UNAVAILABLE',
        requestId: expect.stringMatching(REQUEST_ID),
      });
      const page = await app.request('/auth/login', {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'text/html',
          origin: app.url,
        },
        body: `username=${JANE.username}&password=${JANE.password}`,
      });
      expect(page.status).toBe(503);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(await page.text()).toMatch(/Temporarily unavailable/);
      await database.start();
      const deadline = Date.now() + 15_000;
      let status = 0;
      while (status !== 200 && Date.now() < deadline) {
        status = (await loginJson(app, JANE.username, JANE.password)).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      expect(status).toBe(200);
    } finally {
      await app.close();
      await database.dispose();
    }
  });
});
