import { setTimeout as sleep } from 'node:timers/promises';
import { base64url, CompactSign, exportJWK } from 'jose';
import { createHmac, createPrivateKey, sign } from 'node:crypto';
import { PasswordHasher } from '../src/auth/credentials/password-hasher';
import {
  ADMIN,
  AUDIENCE,
  decodeJwtPart,
  errorBody,
  graphql,
  ISSUER,
  JANE,
  JOHN,
  login,
  loginJson,
  makeTestKeys,
  seedSampleData,
  signToken,
  signupJson,
  tokenCookie,
  type TestKeys,
} from './support/auth-helpers';
import { startTestApp, type TestApp } from './support/test-app';

const VIEWER = '{ viewer { id username primary_email } }';

/** The real hasher, recording each verification: which hash it was given (undefined: the decoy's). */
class RecordingPasswordHasher extends PasswordHasher {
  readonly verified: Array<string | undefined> = [];
  override verify(hash: string | undefined, password: string): Promise<boolean> {
    this.verified.push(hash);
    return super.verify(hash, password);
  }
}

describe('authentication', () => {
  let app: TestApp;
  let keys: TestKeys;
  const hasher = new RecordingPasswordHasher();

  beforeAll(async () => {
    keys = await makeTestKeys('ES256');
    app = await startTestApp({
      override: (builder) => builder.overrideProvider(PasswordHasher).useValue(hasher),
      captureLogs: true,
      env: {
        ...keys.env,
        LOGIN_RATE_LIMIT_PER_USERNAME: '5',
        LOGIN_RATE_LIMIT_PER_ADDRESS: '1000',
        CORS_ORIGINS: 'http://localhost:3000',
      },
    });
    await seedSampleData(app);
  });
  afterAll(() => app.close());

  describe('login', () => {
    it('logs the sign-in under the request id the client received', async () => {
      const response = await app.request('/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'signin-log-1' },
        body: JSON.stringify({ username: JANE.username, password: JANE.password }),
      });
      expect(response.status).toBe(200);
      await sleep(50);
      const lines = app.logs
        .filter((line) => line.includes('"reqId":"signin-log-1"'))
        .map((line) => JSON.parse(line) as { msg: string });
      expect(lines).toHaveLength(2);
      expect(lines[0].msg).toBe(`User ${JANE.id} signed in`);
      expect(lines[1].msg).toMatch(/^POST \/auth\/login 200 \d+ms$/);
    });

    it('JSON login sets the token cookie with every attribute and answers {user_id, expires_at}', async () => {
      const response = await loginJson(app, JANE.username, JANE.password);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { user_id: string; expires_at: string };
      expect(body.user_id).toBe(JANE.id);
      expect(new Date(body.expires_at).getTime()).toBeGreaterThan(Date.now() + 14 * 60_000);
      const cookie = tokenCookie(response)!;
      expect(cookie.attributes).toMatchObject({
        'max-age': '900',
        path: '/',
        httponly: true,
        samesite: 'Lax',
      });
      expect(cookie.attributes.domain).toBeUndefined();
      // The test app runs with COOKIE_SECURE=false; see the Secure test below.
      expect(cookie.attributes.secure).toBeUndefined();
    });

    it('issues a token with the header and claims of auth.md', async () => {
      const before = Math.floor(Date.now() / 1000);
      const token = await login(app);
      const after = Math.floor(Date.now() / 1000);
      expect(decodeJwtPart(token, 0)).toEqual({ alg: 'ES256', kid: keys.kid, typ: 'JWT' });
      const claims = decodeJwtPart(token, 1);
      expect(claims).toMatchObject({
        iss: ISSUER,
        aud: AUDIENCE,
        sub: JANE.id,
        user_id: JANE.id,
        locale: 'en',
        roles: ['user'],
      });
      expect(claims.exp).toBe((claims.iat as number) + 900);
      // The sign-in's time; the token is signed after the session is stored, maybe a second later.
      expect(claims.auth_time).toBeGreaterThanOrEqual(before);
      expect(claims.auth_time).toBeLessThanOrEqual(claims.iat as number);
      expect(claims.iat).toBeLessThanOrEqual(after);
      expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
      expect(claims).not.toHaveProperty('primary_email');
    });

    it('form login sets the cookie and sends the browser to return_to with 303', async () => {
      const response = await app.request('/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: app.url },
        body: new URLSearchParams({
          username: JOHN.username,
          password: JOHN.password,
          return_to: '/graph?x=1',
        }).toString(),
        redirect: 'manual',
      });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/graph?x=1');
      expect(tokenCookie(response)?.value).toMatch(/^ey/);
    });

    it('answers a wrong password and an unknown user alike, with 401', async () => {
      const wrong = await loginJson(app, ADMIN.username, 'not-the-password');
      const unknown = await loginJson(app, 'nobody-here', 'not-the-password');
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      for (const response of [wrong, unknown])
        expect(await response.json()).toEqual(
          errorBody(response, 401, 'UNAUTHENTICATED', 'Invalid username or password'),
        );
      expect(tokenCookie(wrong)).toBeUndefined();
    });

    it('checks one argon2 hash for an unknown user, as for a wrong password', async () => {
      hasher.verified.length = 0;
      await loginJson(app, JOHN.username, 'definitely-wrong');
      await loginJson(app, 'ghost-who-never-was', 'definitely-wrong');
      expect(hasher.verified).toHaveLength(2);
      const [, parameters] = /^\$argon2id\$v=19\$([^$]+)\$/.exec(hasher.verified[0] ?? '') ?? [];
      expect(parameters?.split(',').sort()).toEqual(['m=19456', 'p=1', 't=2']);
      expect(hasher.verified[1]).toBeUndefined(); // the decoy hash, made with the same parameters
    });

    it('takes about as long for an unknown user as for a wrong password', async () => {
      const timeOf = async (username: string) => {
        const started = process.hrtime.bigint();
        const { status } = await loginJson(app, username, 'definitely-wrong');
        const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
        expect(status).toBe(401); // a 429 would skip the hash check on both sides
        return elapsed;
      };
      // Users of their own (John's credential under other names), each failing once: the
      // per-username limit never answers in place of the hash check.
      const PAIRS = 9;
      const credentials = app.connection.collection<{ _id: string }>('credential');
      const john = await credentials.findOne({ username: JOHN.username });
      const names = Array.from({ length: PAIRS }, (_, i) => `timing-${i}`);
      await credentials.insertMany(
        names.map((username, i) => ({ ...john!, _id: `timing-user-${i}`, username })),
      );
      try {
        const ratios: number[] = [];
        for (let i = 0; i < PAIRS; i += 1) {
          // Back to back, in alternating order: a pair shares the machine's load of the moment.
          const wrongFirst = i % 2 === 0;
          const first = await timeOf(wrongFirst ? names[i] : `ghost-${i}`);
          const second = await timeOf(wrongFirst ? `ghost-${i}` : names[i]);
          ratios.push(wrongFirst ? second / first : first / second);
        }
        // The median of the pairs' ratios (unknown / wrong): a sample slowed by a busy moment
        // moves one ratio, not the verdict; a missing decoy hash moves every one.
        const median = ratios.sort((x, y) => x - y)[Math.floor(PAIRS / 2)];
        expect(median).toBeGreaterThan(0.5);
        expect(median).toBeLessThan(2);
      } finally {
        await credentials.deleteMany({ username: { $in: names } });
      }
    });

    it('shows the login page again with a generic error on a bad form login', async () => {
      const response = await app.request('/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: app.url },
        body: new URLSearchParams({
          username: ADMIN.username,
          password: 'nope-nope',
          return_to: '/graph',
        }).toString(),
      });
      expect(response.status).toBe(401);
      const html = await response.text();
      expect(html).toContain('role="alert"');
      expect(html).toContain('Invalid username or password');
      expect(html).not.toContain('nope-nope');
    });

    it('names the product on the login page, hints at the sample accounts in development, and has a favicon', async () => {
      const page = await (await app.request('/auth/login')).text();
      expect(page).toContain('<title>Sign in · User-Order API</title>');
      expect(page).toContain('<h1>Sign in to User-Order API</h1>');
      expect(page).toMatch(/sign in as <code>jane01<\/code>/);
      const icon = await app.request('/favicon.ico');
      expect(icon.status).toBe(200);
      expect(icon.headers.get('content-type')).toBe('image/svg+xml');
      expect(await icon.text()).toMatch(/^<svg /);
    });

    it('serves a login page without external assets', async () => {
      const response = await app.request('/auth/login?return_to=/graph');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/html');
      const html = await response.text();
      expect(html).toContain('<form method="post" action="/auth/login"');
      expect(html).toContain('<label for="password">');
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    });
  });

  describe('viewer', () => {
    it('returns the signed-in user, with their own email', async () => {
      const token = await login(app);
      const { status, body } = await graphql(app, VIEWER, { token });
      expect(status).toBe(200);
      expect(body.data).toEqual({
        viewer: {
          id: Buffer.from(`User:${JANE.id}`).toString('base64'),
          username: 'jane01',
          primary_email: 'jd@example.com',
        },
      });
    });

    it('accepts the token as a bearer header, and at the legacy /graph path', async () => {
      const token = await login(app);
      const { status, body } = await graphql(app, '{ viewer { username } }', {
        bearer: token,
        path: '/graph',
      });
      expect(status).toBe(200);
      expect(body.data).toEqual({ viewer: { username: 'jane01' } });
    });

    it('refuses an anonymous request with UNAUTHENTICATED, HTTP 401 and no data', async () => {
      const { status, body } = await graphql(app, VIEWER);
      expect(status).toBe(401);
      expect(body.data).toBeUndefined();
      expect(body.errors?.[0].extensions).toMatchObject({
        code: 'UNAUTHENTICATED',
        requestId: expect.any(String),
      });
    });

    it('sends a browser navigation without a token to the refresh, and without a session on to the login page, with return_to', async () => {
      const response = await app.request('/graph?foo=bar', {
        headers: { accept: 'text/html' },
        redirect: 'manual',
      });
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toBe(
        `/auth/refresh?return_to=${encodeURIComponent('/graph?foo=bar')}`,
      );
      const refresh = await app.request(response.headers.get('location')!, { redirect: 'manual' });
      expect(refresh.status).toBe(303);
      expect(refresh.headers.get('location')).toBe(
        `/auth/login?return_to=${encodeURIComponent('/graph?foo=bar')}`,
      );
    });

    it('sends a browser navigation with a refused token to the refresh too, and one with a valid token on to GraphiQL', async () => {
      const page = (cookie: string) =>
        app.request('/graphql', { headers: { accept: 'text/html', cookie }, redirect: 'manual' });
      const forged = await page('token=not.a.token');
      expect(forged.status).toBe(302);
      expect(forged.headers.get('location')).toBe(
        `/auth/refresh?return_to=${encodeURIComponent('/graphql')}`,
      );
      const signedIn = await page(`token=${await login(app)}`);
      expect(signedIn.status).toBe(200);
      expect(signedIn.headers.get('content-type')).toMatch(/^text\/html/);
    });
  });

  describe('logout and refresh', () => {
    it('logout clears the cookie with Max-Age=0 (204 for JSON, 303 to the login page for a form)', async () => {
      const json = await app.request('/auth/logout', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(json.status).toBe(204);
      expect(tokenCookie(json)).toMatchObject({ value: '', attributes: { 'max-age': '0' } });
      const form = await app.request('/auth/logout', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: app.url },
        body: '',
        redirect: 'manual',
      });
      expect(form.status).toBe(303);
      expect(form.headers.get('location')).toBe('/auth/login');
    });

    it('refuses refresh without a token', async () => {
      const response = await app.request('/auth/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({
        statusCode: 401,
        code: 'UNAUTHENTICATED',
        requestId: response.headers.get('x-request-id'),
      });
    });
  });

  describe('signup', () => {
    const signup = (body: Record<string, string>) => signupJson(app, body);

    it('creates the profile and the credential, and signs the user in', async () => {
      const response = await signup({
        username: 'new.person',
        password: 'a long password',
        primary_email: 'New@Example.com',
        full_name: 'New Person',
      });
      expect(response.status).toBe(201);
      const token = tokenCookie(response)!.value;
      const { body } = await graphql(app, VIEWER, { token });
      expect(body.data).toMatchObject({
        viewer: { username: 'new.person', primary_email: 'new@example.com' },
      });
      expect((await loginJson(app, 'new.person', 'a long password')).status).toBe(200);
    });

    it('answers 409 DU01 for a taken username and DU02 for a taken email', async () => {
      const taken = await signup({
        username: 'jane01',
        password: 'a long password',
        primary_email: 'other@example.com',
      });
      expect(taken.status).toBe(409);
      expect(await taken.json()).toEqual(
        errorBody(taken, 409, 'CONFLICT', 'Username already exist', { msg_id: 'DU01' }),
      );
      const email = await signup({
        username: 'someone-else',
        password: 'a long password',
        primary_email: 'jd@example.com',
      });
      expect(email.status).toBe(409);
      expect(await email.json()).toMatchObject({ msg_id: 'DU02' });
    });

    it('refuses a password outside 8-128 characters and a malformed email, saying which', async () => {
      const short = await signup({
        username: 'shorty',
        password: 'short',
        primary_email: 's@example.com',
      });
      expect(short.status).toBe(400);
      expect(await short.json()).toEqual(
        errorBody(short, 400, 'BAD_REQUEST', 'password must be 8 to 128 characters'),
      );
      const email = await signup({
        username: 'bademail',
        password: 'a long password',
        primary_email: 'not-an-email',
      });
      expect(email.status).toBe(400);
      expect(((await email.json()) as { message: string }).message).toMatch(/primary_email/);
    });
  });

  describe('keys', () => {
    it('publishes the public key set at /.well-known/jwks.json', async () => {
      const response = await app.request('/.well-known/jwks.json');
      expect(response.status).toBe(200);
      const { keys: jwks } = (await response.json()) as { keys: Record<string, string>[] };
      expect(jwks).toEqual([
        expect.objectContaining({
          kid: keys.kid,
          alg: 'ES256',
          use: 'sig',
          kty: 'EC',
          crv: 'P-256',
        }),
      ]);
      expect(jwks[0]).not.toHaveProperty('d');
    });
  });

  describe('rejected tokens', () => {
    const expectRefused = async (token: string) => {
      const { status, body } = await graphql(app, VIEWER, { token });
      expect(status).toBe(401);
      expect(body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(body.data).toBeUndefined();
    };
    const now = () => Math.floor(Date.now() / 1000);

    it('accepts the well-formed token these cases are variations of', async () => {
      const { status } = await graphql(app, VIEWER, { token: await signToken(keys) });
      expect(status).toBe(200);
    });

    it('alg: none', async () => {
      const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT', kid: keys.kid }));
      const payload = base64url.encode(
        JSON.stringify({ iss: ISSUER, aud: AUDIENCE, sub: JANE.id, exp: now() + 900 }),
      );
      await expectRefused(`${header}.${payload}.`);
    });

    it('HS256 signed with the public key as the secret', async () => {
      const header = base64url.encode(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: keys.kid }));
      const payload = base64url.encode(
        JSON.stringify({
          iss: ISSUER,
          aud: AUDIENCE,
          sub: ADMIN.id,
          roles: ['admin'],
          exp: now() + 900,
        }),
      );
      const signature = createHmac('sha256', keys.publicPem)
        .update(`${header}.${payload}`)
        .digest('base64url');
      await expectRefused(`${header}.${payload}.${signature}`);
    });

    it('a valid signature by another key under our kid', async () => {
      const other = await makeTestKeys('ES256');
      await expectRefused(await signToken({ ...other, kid: keys.kid }));
    });

    it('a tampered payload', async () => {
      const [header, , signature] = (await signToken(keys)).split('.');
      const payload = base64url.encode(
        JSON.stringify({
          iss: ISSUER,
          aud: AUDIENCE,
          sub: ADMIN.id,
          roles: ['admin'],
          exp: now() + 900,
        }),
      );
      await expectRefused(`${header}.${payload}.${signature}`);
    });

    it('expired', async () => {
      await expectRefused(await signToken(keys, { iat: now() - 2000, exp: now() - 120 }));
    });

    it('nbf in the future', async () => {
      await expectRefused(await signToken(keys, { nbf: now() + 600 }));
    });

    it('iat in the future', async () => {
      await expectRefused(await signToken(keys, { iat: now() + 600, exp: now() + 1500 }));
    });

    it('wrong iss', async () => {
      await expectRefused(await signToken(keys, { iss: 'someone-else' }));
    });

    it('wrong aud', async () => {
      await expectRefused(await signToken(keys, { aud: 'another-api' }));
    });

    it('no exp', async () => {
      await expectRefused(await signToken(keys, { exp: undefined }));
    });

    it('no sub', async () => {
      await expectRefused(await signToken(keys, { sub: undefined }));
    });

    it('an unknown crit header', async () => {
      // jose refuses to sign this, so the token is put together by hand.
      const header = base64url.encode(
        JSON.stringify({
          alg: 'ES256',
          kid: keys.kid,
          typ: 'JWT',
          crit: ['x-must-understand'],
          'x-must-understand': true,
        }),
      );
      const payload = base64url.encode(
        JSON.stringify({ iss: ISSUER, aud: AUDIENCE, sub: JANE.id, iat: now(), exp: now() + 900 }),
      );
      const signature = sign('sha256', Buffer.from(`${header}.${payload}`), {
        key: keys.privateKey,
        dsaEncoding: 'ieee-p1363',
      }).toString('base64url');
      await expectRefused(`${header}.${payload}.${signature}`);
    });

    it.each(['jwk', 'jku', 'x5u'])('%s pointing to an attacker key', async (parameter) => {
      const attacker = await makeTestKeys('ES256');
      const attackerJwk = await exportJWK(createPrivateKey(attacker.privatePem));
      delete attackerJwk.d;
      const value = parameter === 'jwk' ? attackerJwk : 'http://127.0.0.1:9/attacker-keys';
      // Both with the attacker's own kid and with ours: neither may make us use the attacker's key.
      await expectRefused(await signToken(attacker, {}, { [parameter]: value }));
      await expectRefused(
        await signToken({ ...attacker, kid: keys.kid }, {}, { [parameter]: value }),
      );
    });

    it('an unknown kid', async () => {
      await expectRefused(await signToken({ ...keys, kid: 'not-a-known-key' }));
    });

    it('an oversized token (over 8 KiB)', async () => {
      await expectRefused(await signToken(keys, { padding: 'x'.repeat(9000) }));
    });

    it('malformed base64', async () => {
      const [header, payload, signature] = (await signToken(keys)).split('.');
      await expectRefused(`${header}.${payload}!!.${signature}`);
    });

    it('a payload that is not a JSON object', async () => {
      const token = await new CompactSign(new TextEncoder().encode('[1,2,3]'))
        .setProtectedHeader({ alg: 'ES256', kid: keys.kid, typ: 'JWT' })
        .sign(keys.privateKey);
      await expectRefused(token);
    });

    it('cookie and bearer header both present and different', async () => {
      const jane = await signToken(keys);
      const john = await signToken(keys, { sub: JOHN.id, user_id: JOHN.id });
      const { status, body } = await graphql(app, VIEWER, { token: jane, bearer: john });
      expect(status).toBe(401);
      expect(body.errors?.[0].message).toMatch(/Conflicting credentials/);
    });
  });

  describe('browser rules', () => {
    it.each([
      ['an absolute foreign URL', 'https://evil.example/steal'],
      ['a protocol-relative URL', '//evil.example/steal'],
      ['a backslash path', '/\\evil.example/steal'],
      ['javascript:', 'javascript:alert(1)'],
    ])('return_to with %s falls back to /graph', async (_name, returnTo) => {
      const response = await app.request('/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: app.url },
        body: new URLSearchParams({
          username: JANE.username,
          password: JANE.password,
          return_to: returnTo,
        }).toString(),
        redirect: 'manual',
      });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/graph');
    });

    it('refuses a cross-origin form POST to /auth/login with 403', async () => {
      const response = await app.request('/auth/login', {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: 'https://evil.example',
        },
        body: new URLSearchParams({ username: JANE.username, password: JANE.password }).toString(),
      });
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual(
        errorBody(response, 403, 'FORBIDDEN', 'Cross-site request refused'),
      );
      expect(tokenCookie(response)).toBeUndefined();
    });

    it('accepts a form POST from an allowed origin', async () => {
      const response = await app.request('/auth/login', {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: 'http://localhost:3000',
        },
        body: new URLSearchParams({ username: JANE.username, password: JANE.password }).toString(),
        redirect: 'manual',
      });
      expect(response.status).toBe(303);
    });
  });

  describe('rate limits', () => {
    it('answers 429 with Retry-After once a username passes its limit', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i += 1)
        statuses.push((await loginJson(app, 'target-user', 'wrong password')).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
      const limited = await loginJson(app, 'target-user', 'wrong password');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    });
  });

  it('never logs a token, a cookie value or a password', async () => {
    const token = await login(app, ADMIN);
    await graphql(app, VIEWER, { token });
    await graphql(app, VIEWER, { bearer: token });
    const secrets = [
      token,
      token.split('.')[2],
      JANE.password,
      JOHN.password,
      ADMIN.password,
      'a long password',
      'nope-nope',
      'not-the-password',
    ];
    expect(app.logs.length).toBeGreaterThan(20);
    for (const line of app.logs) for (const secret of secrets) expect(line).not.toContain(secret);
  });
});

describe('Secure cookie', () => {
  it('is marked Secure when COOKIE_SECURE is on (the default)', async () => {
    const keys = await makeTestKeys('ES256');
    const app = await startTestApp({ env: { ...keys.env, COOKIE_SECURE: 'true' } });
    try {
      await seedSampleData(app);
      const response = await loginJson(app, JANE.username, JANE.password);
      expect(tokenCookie(response)?.attributes.secure).toBe(true);
    } finally {
      await app.close();
    }
  });
});

describe.each(['RS256', 'PS256'] as const)('with JWT_ALG=%s', (alg) => {
  it('signs with that algorithm and accepts its own tokens', async () => {
    const keys = await makeTestKeys(alg);
    const app = await startTestApp({ env: keys.env });
    try {
      await seedSampleData(app);
      const token = await login(app);
      expect(decodeJwtPart(token, 0)).toMatchObject({ alg, kid: keys.kid });
      expect((await graphql(app, '{ viewer { username } }', { token })).body.data).toEqual({
        viewer: { username: 'jane01' },
      });
    } finally {
      await app.close();
    }
  });
});

describe('key rotation', () => {
  it('verifies tokens of every listed public key and signs new ones with the newest private key', async () => {
    const previous = await makeTestKeys('ES256');
    const current = await makeTestKeys('ES256');
    const app = await startTestApp({
      env: {
        JWT_PRIV_KEY_B64: current.env.JWT_PRIV_KEY_B64,
        JWT_PUB_KEY_B64: Buffer.from(previous.publicPem + current.publicPem).toString('base64'),
      },
    });
    try {
      await seedSampleData(app);
      expect((await graphql(app, VIEWER, { token: await signToken(previous) })).status).toBe(200);
      const issued = await login(app);
      expect(decodeJwtPart(issued, 0).kid).toBe(current.kid);
      const { keys: jwks } = (await (await app.request('/.well-known/jwks.json')).json()) as {
        keys: { kid: string }[];
      };
      expect(jwks.map((k) => k.kid).sort()).toEqual([previous.kid, current.kid].sort());
    } finally {
      await app.close();
    }
  });
});

describe('CORS', () => {
  it('lets an allowed origin call with credentials, and gives others no CORS headers', async () => {
    const app = await startTestApp({
      env: { CORS_ORIGINS: 'http://localhost:*,https://app.example.com' },
    });
    try {
      const preflight = (origin: string) =>
        app.request('/graphql', {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'content-type',
          },
        });
      const allowed = await preflight('https://app.example.com');
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
      expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
      expect(
        (await preflight('http://localhost:5173')).headers.get('access-control-allow-origin'),
      ).toBe('http://localhost:5173');
      const refused = await preflight('https://evil.example');
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await app.close();
    }
  });
});
