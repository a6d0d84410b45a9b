/**
 * Black-box security suite: a production-mode server process (dist/main.js)
 * on a FerretDB the suite controls, attacked over HTTP only. Each case's name
 * says what must happen (after "→"); test-artifacts/security-report.md lists
 * them all with what was observed.
 */
import { base64url, exportJWK } from 'jose';
import { createHmac, createPrivateKey, sign } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { toGlobalId } from '../../src/common/ids';
import {
  ADMIN,
  AUDIENCE,
  graphql,
  ISSUER,
  JANE,
  JOHN,
  makeTestKeys,
  signToken,
  tokenCookie,
  type TestKeys,
} from '../support/auth-helpers';
import { startOwnDatabase, type OwnDatabase } from '../support/own-database';
import { startSeededProductionService, type ServiceProcess } from '../support/service-process';
import { buildDistBeforeAll } from '../support/dist-build';

const JANE_ID = toGlobalId('User', JANE.id);
const JOHN_ID = toGlobalId('User', JOHN.id);
const FOOD = toGlobalId('Item', '1HEOx6FnC7cM');
const VIEWER = '{ viewer { id } }';
/** Production's access cookie: `__Host-` so that a sibling sub-domain cannot plant one. */
const COOKIE = '__Host-token';

let database: OwnDatabase;
let server: ServiceProcess;
let keys: TestKeys;
let jane: string;
let john: string;
let johnsOrder: string;

async function signIn(user: { username: string; password: string }): Promise<string> {
  const response = await fetch(`${server.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: user.username, password: user.password }),
  });
  if (response.status !== 200)
    throw new Error(
      `login ${response.status}: ${await response.text()}\n${server.output().slice(-3000)}`,
    );
  return tokenCookie(response, COOKIE)!.value;
}

const gql = (query: string, options: Parameters<typeof graphql>[2] = {}) => {
  const { token = jane, headers, ...rest } = options;
  return graphql(server.url, query, {
    ...rest,
    headers: { cookie: `${COOKIE}=${token}`, ...headers },
  });
};
const code = (response: Awaited<ReturnType<typeof gql>>) =>
  response.body.errors?.[0]?.extensions?.code;

beforeAll(async () => {
  mkdirSync(resolve(__dirname, '..', '..', 'test-artifacts'), { recursive: true });
  database = await startOwnDatabase('security');
  keys = await makeTestKeys();
  server = await startSeededProductionService(database.uri('security'), keys, {
    CORS_ORIGINS: 'https://app.example.com',
  });
  [jane, john] = await Promise.all([signIn(JANE), signIn(JOHN)]);
  const created = await gql(
    `mutation { createOrder(input: {order_data: {user_id: "${JOHN_ID}", order_items: [{item_id: "${FOOD}", quantity: 1}]}}) { order_id } }`,
    { token: john },
  );
  johnsOrder = (created.body.data as any).createOrder.order_id;
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await database?.dispose();
});

buildDistBeforeAll();

describe('JWT attacks', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const refused = async (token: string) => {
    const response = await gql(VIEWER, { token });
    expect(response.status).toBe(401);
    expect(code(response)).toBe('UNAUTHENTICATED');
    expect(response.body.data).toBeUndefined();
  };
  const handMade = (header: object, payload: object, signer: (input: string) => string) => {
    const h = base64url.encode(JSON.stringify(header));
    const p = base64url.encode(JSON.stringify(payload));
    return `${h}.${p}.${signer(`${h}.${p}`)}`;
  };
  const claims = () => ({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: ADMIN.id,
    roles: ['admin'],
    iat: now(),
    exp: now() + 900,
  });

  it('a genuine token → accepted (the control case)', async () => {
    expect((await gql(VIEWER, { token: await signToken(keys) })).status).toBe(200);
  });
  it('alg: none → 401', () =>
    refused(handMade({ alg: 'none', kid: keys.kid }, claims(), () => '')));
  it('HS256 signed with the public key → 401', () =>
    refused(
      handMade({ alg: 'HS256', kid: keys.kid, typ: 'JWT' }, claims(), (input) =>
        createHmac('sha256', keys.publicPem).update(input).digest('base64url'),
      ),
    ));
  it('valid signature by another key under our kid → 401', async () =>
    refused(await signToken({ ...(await makeTestKeys()), kid: keys.kid })));
  it('tampered payload → 401', async () => {
    const [h, , s] = (await signToken(keys)).split('.');
    await refused(`${h}.${base64url.encode(JSON.stringify(claims()))}.${s}`);
  });
  it('expired → 401', async () =>
    refused(await signToken(keys, { iat: now() - 3000, exp: now() - 100 })));
  it('nbf in the future → 401', async () => refused(await signToken(keys, { nbf: now() + 600 })));
  it('iat in the future → 401', async () =>
    refused(await signToken(keys, { iat: now() + 600, exp: now() + 1200 })));
  it('wrong iss → 401', async () => refused(await signToken(keys, { iss: 'evil' })));
  it('wrong aud → 401', async () => refused(await signToken(keys, { aud: 'evil' })));
  it('no exp → 401', async () => refused(await signToken(keys, { exp: undefined })));
  it('no sub → 401', async () => refused(await signToken(keys, { sub: undefined })));
  it('unknown crit header → 401', () =>
    refused(
      handMade(
        { alg: 'ES256', kid: keys.kid, typ: 'JWT', crit: ['x-evil'], 'x-evil': 1 },
        claims(),
        (input) =>
          sign('sha256', Buffer.from(input), {
            key: keys.privateKey,
            dsaEncoding: 'ieee-p1363',
          }).toString('base64url'),
      ),
    ));
  it.each(['jwk', 'jku', 'x5u'])(
    '%s header pointing to an attacker key → 401',
    async (parameter) => {
      const attacker = await makeTestKeys();
      const jwk = await exportJWK(createPrivateKey(attacker.privatePem));
      delete jwk.d;
      await refused(
        await signToken(
          attacker,
          { sub: ADMIN.id, roles: ['admin'] },
          { [parameter]: parameter === 'jwk' ? jwk : 'https://evil.example/keys' },
        ),
      );
    },
  );
  it('unknown kid → 401', async () => refused(await signToken({ ...keys, kid: 'who-knows' })));
  it('oversized token (> 8 KiB) → 401', async () =>
    refused(await signToken(keys, { pad: 'x'.repeat(9000) })));
  it('malformed base64 → 401', () => refused('eyJhbGciOiJFUzI1NiJ9.!!!.abc'));
  it('payload not a JSON object → 401', () =>
    refused(
      `${base64url.encode(JSON.stringify({ alg: 'ES256', kid: keys.kid }))}.${base64url.encode('"just a string"')}.${'A'.repeat(86)}`,
    ));
  it('cookie and bearer present and different → 401', async () => {
    const response = await gql(VIEWER, { token: jane, bearer: john });
    expect(response.status).toBe(401);
  });
});

describe('hostile queries', () => {
  const refusedWith400 = async (query: string) => {
    const response = await gql(query);
    expect(response.status).toBe(400);
    expect(response.body.data).toBeUndefined();
    return response;
  };
  it('depth bomb (nested 8 deep through orders/user) → 400 GRAPHQL_VALIDATION_FAILED', async () => {
    let inner = 'id';
    for (let i = 0; i < 8; i += 1)
      inner = `orders(first: 1) { edges { node { user { ${inner} } } } }`;
    expect(code(await refusedWith400(`{ viewer { ${inner} } }`))).toBe('GRAPHQL_VALIDATION_FAILED');
  });
  it('alias amplification (200 aliases) → 400', () =>
    refusedWith400(
      `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: viewer { id }`).join(' ')} }`,
    ));
  it('aliased mutations (100 createOrder) → 400, nothing written', () =>
    refusedWith400(
      `mutation { ${Array.from({ length: 100 }, (_, i) => `m${i}: createOrder(input: {order_data: {user_id: "${JANE_ID}", order_items: [{item_id: "${FOOD}", quantity: 1}]}}) { order_id }`).join(' ')} }`,
    ));
  it('fragment cycle → 400 GRAPHQL_VALIDATION_FAILED', async () =>
    expect(
      code(
        await refusedWith400(
          '{ viewer { ...A } } fragment A on User { ...B } fragment B on User { ...A }',
        ),
      ),
    ).toBe('GRAPHQL_VALIDATION_FAILED'));
  it('field duplication (5,000 fields) → 400 GRAPHQL_PARSE_FAILED', async () =>
    expect(code(await refusedWith400(`{ viewer { ${'id '.repeat(5000)} } }`))).toBe(
      'GRAPHQL_PARSE_FAILED',
    ));
  it('huge list (first: 1000000) → refused', async () =>
    expect(code(await gql('{ listUsers(first: 1000000) { edges { node { id } } } }'))).toMatch(
      /BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/,
    ));
  it('list product over the cost limit → 400', () =>
    refusedWith400(
      '{ listUsers(first: 100) { edges { node { orders(first: 100) { edges { node { order_items(first: 100) { edges { node { desc } } } } } } } } } }',
    ));
  it('oversized body (300 KB) → 413', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `${COOKIE}=${jane}` },
      body: JSON.stringify({ query: `{ viewer { id } } #${'x'.repeat(300_000)}` }),
    });
    expect(response.status).toBe(413);
  });
  it('batched array body → 400', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `${COOKIE}=${jane}` },
      body: JSON.stringify([{ query: VIEWER }, { query: VIEWER }]),
    });
    expect(response.status).toBe(400);
  });
});

describe('probing in production', () => {
  it('introspection → refused', async () => {
    const response = await gql('{ __schema { types { name } } }');
    expect(response.body.data ?? null).toBeNull();
  });
  it('field suggestions → no "Did you mean"', async () => {
    const response = await gql('{ viewr { id } listUser { totalCount } }');
    expect(JSON.stringify(response.body)).not.toMatch(/Did you mean/);
  });
  it('an error never shows a stack, a host or a driver message', async () => {
    const response = await gql(
      `{ listUserOrders(user_id: "${toGlobalId('User', 'x'.repeat(60))}") { totalCount } }`,
    );
    expect(JSON.stringify(response.body)).not.toMatch(/stack|127\.0\.0\.1|Mongo|at .+\.js/);
  });
});

describe('CSRF', () => {
  it('cross-site form POST to /graphql → no operation runs', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://evil.example',
        cookie: `${COOKIE}=${jane}`,
      },
      body: 'query=mutation%7BcreateOrder%28input%3A%7B%7D%29%7Border_id%7D%7D',
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
  });
  it('text/plain POST → no operation runs', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', cookie: `${COOKIE}=${jane}` },
      body: JSON.stringify({ query: VIEWER }),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(await response.text()).not.toContain('"viewer"');
  });
  it('GET mutation → 405', async () => {
    const query = encodeURIComponent(
      `mutation { createOrder(input: {order_data: {user_id: "${JANE_ID}", order_items: [{item_id: "${FOOD}", quantity: 1}]}}) { order_id } }`,
    );
    const response = await fetch(`${server.url}/graphql?query=${query}`, {
      headers: { cookie: `${COOKIE}=${jane}`, 'apollo-require-preflight': '1' },
    });
    expect(response.status).toBe(405);
  });
  it('cross-site form POST to /auth/login → 403', async () => {
    const response = await fetch(`${server.url}/auth/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://evil.example',
      },
      body: `username=${JANE.username}&password=${JANE.password}`,
    });
    expect(response.status).toBe(403);
  });
  it('CORS preflight from a foreign origin → no Access-Control-Allow-Origin', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('NoSQL injection', () => {
  const listUsers = (filter: string) =>
    gql(
      'query ($f: String) { listUsers(filterValues: {filterValuesString: $f}) { edges { node { id } } } }',
      { variables: { f: filter } },
    );
  it.each([
    ['operator object on a field', '{"username": {"$gt": ""}, "$or": [{}]}'],
    ['$where', '{"$where": "this.username.length > 0"}'],
    ['JavaScript in $where', '{"$where": "function(){ while(true){} }"}'],
    ['$regex', '{"username": {"$regex": "^a"}}'],
    ['$expr', '{"$expr": {"$gt": ["$username", ""]}}'],
    ['nested operator', '{"username": {"$ne": {"$ne": 1}}}'],
    ['deeply nested JSON', `{"username": ${'['.repeat(500)}${']'.repeat(500)}}`],
    ['invalid UTF-8', '{"username": "\udc80\ud800"}'],
  ])('filterValuesString with %s → BAD_USER_INPUT', async (_name, filter) => {
    expect(code(await listUsers(filter))).toBe('BAD_USER_INPUT');
  });
  it('a body that is not valid UTF-8 → 400, never a 500', async () => {
    const body = Buffer.concat([
      Buffer.from('{"query":"{ viewer { id } }","x":"'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('"}'),
    ]);
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `${COOKIE}=${jane}` },
      body,
    });
    expect(response.status).toBeLessThan(500);
  });
  it('getUser(item_query) with an operator → BAD_USER_INPUT', async () => {
    expect(
      code(
        await gql('{ getUser(item_query: "{\\"username\\": {\\"$regex\\": \\".*\\"}}") { id } }'),
      ),
    ).toBe('BAD_USER_INPUT');
  });
  it('an id carrying an operator object → BAD_USER_INPUT or nothing found', async () => {
    const id = Buffer.from('User:{"$ne":null}').toString('base64');
    const response = await gql(`{ listUserOrders(user_id: "${id}") { totalCount } }`);
    expect(['BAD_USER_INPUT', 'NOT_FOUND', 'FORBIDDEN']).toContain(code(response));
  });
  it('a forged cursor carrying an operator → BAD_USER_INPUT', async () => {
    const cursor = Buffer.from(JSON.stringify({ s: '_id:1', v: [{ $gt: '' }] })).toString(
      'base64url',
    );
    expect(code(await gql(`{ listUsers(after: "${cursor}") { edges { node { id } } } }`))).toBe(
      'BAD_USER_INPUT',
    );
  });
});

describe("IDOR: Jane reaching John's orders", () => {
  it('listUserOrders(John) → FORBIDDEN', async () =>
    expect(code(await gql(`{ listUserOrders(user_id: "${JOHN_ID}") { totalCount } }`))).toBe(
      'FORBIDDEN',
    ));
  it('User.orders of John → FORBIDDEN', async () =>
    expect(
      code(await gql(`{ node(id: "${JOHN_ID}") { ... on User { orders { totalCount } } } }`)),
    ).toBe('FORBIDDEN'));
  it("node(John's order) → FORBIDDEN", async () =>
    expect(code(await gql(`{ node(id: "${johnsOrder}") { id } }`))).toBe('FORBIDDEN'));
  it("nodes([John's order]) → FORBIDDEN", async () =>
    expect(code(await gql(`{ nodes(ids: ["${johnsOrder}"]) { id } }`))).toBe('FORBIDDEN'));
  it('createOrder for John → FORBIDDEN', async () =>
    expect(
      code(
        await gql(
          `mutation { createOrder(input: {order_data: {user_id: "${JOHN_ID}", order_items: [{item_id: "${FOOD}", quantity: 1}]}}) { order_id } }`,
        ),
      ),
    ).toBe('FORBIDDEN'));
  it("John's email → null for Jane", async () => {
    const response = await gql(`{ node(id: "${JOHN_ID}") { ... on User { primary_email } } }`);
    expect((response.body.data as any).node.primary_email).toBeNull();
  });
});

describe('database stopped mid-test', () => {
  it('queries fail fast with SERVICE_UNAVAILABLE, readiness 503, then both recover by themselves', async () => {
    await database.stop();
    const started = Date.now();
    const down = await gql('{ listItems { edges { node { id } } } }');
    const toUnavailable = Date.now() - started;
    expect(code(down)).toBe('SERVICE_UNAVAILABLE');
    expect(toUnavailable).toBeLessThan(2_000);
    expect((await fetch(`${server.url}/health/ready`)).status).toBe(503);
    await database.start();
    const restarted = Date.now();
    const deadline = Date.now() + 20_000;
    let ok = false;
    while (!ok && Date.now() < deadline) {
      ok =
        (await fetch(`${server.url}/health/ready`)).status === 200 &&
        !(await gql('{ listItems { edges { node { id } } } }')).body.errors;
      if (!ok) await new Promise((r) => setTimeout(r, 250));
    }
    expect(ok).toBe(true);
    const timings = {
      msToFirstServiceUnavailable: toUnavailable,
      msFromRestartToFirstSuccess: Date.now() - restarted,
    };
    writeFileSync(
      resolve(__dirname, '..', '..', 'test-artifacts', 'outage-timings.json'),
      `${JSON.stringify(timings)}\n`,
    );
  });
});

describe('sessions', () => {
  const json = { 'content-type': 'application/json' };
  const signInFully = async (user: { username: string; password: string }) => {
    const response = await fetch(`${server.url}/auth/login`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ username: user.username, password: user.password }),
    });
    return {
      response,
      token: tokenCookie(response, COOKIE)!.value,
      refresh: tokenCookie(response, 'refresh')!.value,
    };
  };
  const refresh = (value: string) =>
    fetch(`${server.url}/auth/refresh`, {
      method: 'POST',
      headers: { ...json, cookie: `refresh=${value}` },
      body: '{}',
    });
  const reasonOf = async (response: Response) =>
    ((await response.json()) as { reason?: string }).reason;

  it('__Host- access cookie in production (Secure, Path=/, no Domain); a planted plain `token` cookie is not read → 401 missing', async () => {
    const { response } = await signInFully(JANE);
    expect(tokenCookie(response, COOKIE)!.attributes).toMatchObject({ secure: true, path: '/' });
    expect(tokenCookie(response, COOKIE)!.attributes.domain).toBeUndefined();
    expect(tokenCookie(response, 'token')).toBeUndefined();
    const planted = await graphql(server.url, VIEWER, { headers: { cookie: `token=${jane}` } });
    expect(planted.status).toBe(401);
  });
  it('refresh cookie: opaque, HttpOnly, Secure, Path=/auth; refresh works with it alone → 200', async () => {
    const { response, refresh: value } = await signInFully(JANE);
    expect(value.split('.')).toHaveLength(2);
    expect(tokenCookie(response, 'refresh')!.attributes).toMatchObject({
      httponly: true,
      secure: true,
      path: '/auth',
    });
    expect((await refresh(value)).status).toBe(200);
  });
  it('a replaced refresh token used again → 401 revoked, and the newer one dies with it', async () => {
    const { refresh: first } = await signInFully(JANE);
    const rotated = tokenCookie(await refresh(first), 'refresh')!.value;
    const reused = await refresh(first);
    expect(reused.status).toBe(401);
    expect(reused.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(await reasonOf(reused)).toBe('revoked');
    expect(await reasonOf(await refresh(rotated))).toBe('revoked');
  });
  it('after logout the refresh token → 401 revoked; a forged one for a live session → 401 invalid, the session lives', async () => {
    const { token, refresh: value } = await signInFully(JOHN);
    const sid = String(JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sid);
    expect((await refresh(`${sid}.${'A'.repeat(43)}`)).status).toBe(401);
    const next = tokenCookie(await refresh(value), 'refresh')!.value;
    const logout = await fetch(`${server.url}/auth/logout`, {
      method: 'POST',
      headers: { ...json, cookie: `refresh=${next}` },
      body: '{}',
    });
    expect(logout.status).toBe(204);
    expect(await reasonOf(await refresh(next))).toBe('revoked');
  });
  it('after sign-out everywhere, the access token is refused on /graphql → 401 revoked, with WWW-Authenticate', async () => {
    const { token, refresh: value } = await signInFully(JOHN);
    expect((await gql(VIEWER, { token })).status).toBe(200);
    const logout = await fetch(`${server.url}/auth/logout`, {
      method: 'POST',
      headers: { ...json, cookie: `refresh=${value}` },
      body: JSON.stringify({ scope: 'all' }),
    });
    expect(logout.status).toBe(204);
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { ...json, cookie: `${COOKIE}=${token}` },
      body: JSON.stringify({ query: VIEWER }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    const body = (await response.json()) as { data?: unknown; errors: { extensions: object }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'revoked' });
  });
  it('two different access cookies (one tossed from a sibling sub-domain) → 401 conflict', async () => {
    const response = await gql(VIEWER, {
      headers: { cookie: `${COOKIE}=${jane}; ${COOKIE}=${john}` },
    });
    expect(response.status).toBe(401);
    expect(response.body.errors?.[0]?.extensions?.reason).toBe('conflict');
  });
  it("DELETE of another user's session → 404; disabling an account as a non-admin → 403", async () => {
    const mine = await signInFully(JANE);
    const johns = await signInFully(JOHN);
    const johnsSid = String(
      JSON.parse(Buffer.from(johns.token.split('.')[1], 'base64url').toString()).sid,
    );
    const deleted = await fetch(`${server.url}/auth/sessions/${johnsSid}`, {
      method: 'DELETE',
      headers: { ...json, cookie: `${COOKIE}=${mine.token}` },
      body: '{}',
    });
    expect(deleted.status).toBe(404);
    expect((await refresh(johns.refresh)).status).toBe(200);
    const disable = await fetch(`${server.url}/auth/accounts/${JOHN.id}/disable`, {
      method: 'POST',
      headers: { ...json, cookie: `${COOKIE}=${mine.token}` },
      body: '{}',
    });
    expect(disable.status).toBe(403);
  });
  it('cross-site form POST to /auth/logout with scope=all → 403', async () => {
    const response = await fetch(`${server.url}/auth/logout`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://evil.example',
      },
      body: 'scope=all',
    });
    expect(response.status).toBe(403);
  });
});

describe('logs', () => {
  it('no line of the server log carries a token or a password', () => {
    const output = server.output();
    expect(output.length).toBeGreaterThan(1000);
    for (const secret of [jane, john, jane.split('.')[2], JANE.password, JOHN.password])
      expect(output).not.toContain(secret);
  });
});
