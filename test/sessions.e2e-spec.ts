import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { setTimeout as sleep } from 'node:timers/promises';
import { CredentialsRepository } from '../src/auth/credentials/credentials.repository';
import { ExpiredSessions } from '../src/auth/sessions/expired-sessions';
import { RevokedSessions } from '../src/auth/sessions/revoked-sessions';
import { loadConfig } from '../src/config/app-config';
import {
  ADMIN,
  decodeJwtPart,
  graphql,
  JANE,
  JOHN,
  loginJson,
  tokenCookie,
} from './support/auth-helpers';
import { makeTestKeys, signToken, startTestApp, type KitApp } from './support';
import { startOwnDatabase } from './support/own-database';
import { redisServerInstalled, startRedis, type TestRedis } from './support/redis-server';
import { testDatabaseUri, uniqueDatabaseName, type TestApp } from './support/test-app';

const CHROME_ON_LINUX =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const JSON_HEADERS = { 'content-type': 'application/json' };

/** What a client holds after signing in: its access token, its refresh token, and the session id. */
interface Signed {
  readonly token: string;
  readonly refresh: string;
  readonly sid: string;
}

function signedFrom(response: Response): Signed {
  const token = tokenCookie(response)!.value;
  return {
    token,
    refresh: tokenCookie(response, 'refresh')!.value,
    sid: String(decodeJwtPart(token, 1).sid),
  };
}

async function signIn(app: TestApp, user = JANE, userAgent = CHROME_ON_LINUX): Promise<Signed> {
  const response = await app.request('/auth/login', {
    method: 'POST',
    headers: { ...JSON_HEADERS, 'user-agent': userAgent },
    body: JSON.stringify({ username: user.username, password: user.password }),
  });
  expect(response.status).toBe(200);
  return signedFrom(response);
}

function refreshWithCookie(app: TestApp, refresh: string): Promise<Response> {
  return app.request('/auth/refresh', {
    method: 'POST',
    headers: { ...JSON_HEADERS, cookie: `refresh=${refresh}` },
    body: '{}',
  });
}

function withToken(app: TestApp, path: string, token: string, init: RequestInit = {}) {
  return app.request(path, {
    ...(init.method === 'DELETE' ? { body: '{}' } : {}),
    ...init,
    headers: { ...JSON_HEADERS, cookie: `token=${token}`, ...(init.headers as object) },
  });
}

async function expectRefused(response: Response, reason: string, tokenSent = true): Promise<void> {
  expect(response.status).toBe(401);
  expect(await response.json()).toMatchObject({
    statusCode: 401,
    code: 'UNAUTHENTICATED',
    reason,
    requestId: response.headers.get('x-request-id'),
  });
  expect(response.headers.get('www-authenticate')).toBe(
    tokenSent ? 'Bearer error="invalid_token"' : null,
  );
  // A refusal is about this request's credentials: never kept by a cache.
  expect(response.headers.get('cache-control')).toBe('no-store');
}

describe('sessions', () => {
  let app: KitApp;
  let keys: KitApp['keys'];

  beforeAll(async () => {
    app = await startTestApp({
      seed: true,
      captureLogs: true,
      env: { LOGIN_RATE_LIMIT_PER_USERNAME: '50' },
    });
    keys = app.keys;
  });
  afterAll(() => app.close());

  const sessionsCollection = () => app.connection.collection('session');

  describe('sign-in', () => {
    it('starts a session: sid in the access token, an opaque refresh cookie on /auth for the rest of the session', async () => {
      const started = Date.now();
      const response = await app.request('/auth/login', {
        method: 'POST',
        headers: { ...JSON_HEADERS, 'user-agent': CHROME_ON_LINUX },
        body: JSON.stringify({ username: JANE.username, password: JANE.password }),
      });
      expect(response.status).toBe(200);
      const refresh = tokenCookie(response, 'refresh')!;
      expect(refresh.attributes).toMatchObject({
        httponly: true,
        path: '/auth',
        samesite: 'Lax',
      });
      // What remains of SESSION_MAX_AGE (7 days): less only by the seconds the sign-in took.
      const took = Math.ceil((Date.now() - started) / 1000) + 1;
      expect(Number(refresh.attributes['max-age'])).toBeGreaterThanOrEqual(7 * 86400 - took);
      expect(Number(refresh.attributes['max-age'])).toBeLessThanOrEqual(7 * 86400);
      // Opaque: not a JWT (no three dot-separated parts), no readable claims.
      expect(refresh.value.split('.')).toHaveLength(2);
      const { sid } = signedFrom(response);
      expect(sid).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(refresh.value.startsWith(`${sid}.`)).toBe(true);

      const stored = await sessionsCollection().findOne({ _id: sid as never });
      expect(stored).toMatchObject({ user_id: JANE.id, user_agent: 'Chrome on Linux', family: [] });
      expect(JSON.stringify(stored)).not.toContain(refresh.value.split('.')[1]);
      expect(stored!.refresh_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(stored!.expires_at.getTime() - stored!.auth_time * 1000).toBe(7 * 86400 * 1000);
    });

    it('starts a session at sign-up too', async () => {
      const response = await app.request('/auth/signup', {
        method: 'POST',
        headers: JSON_HEADERS,
        body: JSON.stringify({
          username: 'session_signup',
          password: 'a long password',
          primary_email: 'session_signup@example.com',
        }),
      });
      expect(response.status).toBe(201);
      const { sid, refresh } = signedFrom(response);
      expect(refresh.startsWith(`${sid}.`)).toBe(true);
      expect(await sessionsCollection().countDocuments({ _id: sid as never })).toBe(1);
    });
  });

  describe('refresh', () => {
    it('works with the refresh cookie alone, rotates it and keeps sid and auth_time', async () => {
      const first = await signIn(app);
      const response = await refreshWithCookie(app, first.refresh);
      expect(response.status).toBe(200);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toEqual({ user_id: JANE.id, expires_at: expect.any(String) });
      const next = signedFrom(response);
      expect(next.sid).toBe(first.sid);
      expect(next.refresh).not.toBe(first.refresh);
      expect(next.token).not.toBe(first.token);
      const [before, after] = [decodeJwtPart(first.token, 1), decodeJwtPart(next.token, 1)];
      expect(after.auth_time).toBe(before.auth_time);
      expect(tokenCookie(response, 'refresh')!.attributes).toMatchObject({
        path: '/auth',
        httponly: true,
      });
      // The new refresh token works in turn.
      expect((await refreshWithCookie(app, next.refresh)).status).toBe(200);
    });

    it('takes the refresh token in a JSON body from clients without cookies, and answers the new one there', async () => {
      const first = await signIn(app);
      const response = await app.request('/auth/refresh', {
        method: 'POST',
        headers: JSON_HEADERS,
        body: JSON.stringify({ refresh_token: first.refresh }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { refresh_token: string; user_id: string };
      expect(body.user_id).toBe(JANE.id);
      expect(body.refresh_token.startsWith(`${first.sid}.`)).toBe(true);
      expect(body.refresh_token).not.toBe(first.refresh);
      expect(tokenCookie(response, 'refresh')).toBeUndefined();
      expect((await refreshWithCookie(app, body.refresh_token)).status).toBe(200);
    });

    it('detects reuse: a replaced refresh token revokes the whole session, logged with the sid only', async () => {
      const first = await signIn(app);
      const rotated = signedFrom(await refreshWithCookie(app, first.refresh));
      const reused = await refreshWithCookie(app, first.refresh);
      await expectRefused(reused, 'revoked');
      // Both cookies cleared.
      expect(tokenCookie(reused, 'refresh')).toMatchObject({
        value: '',
        attributes: { 'max-age': '0' },
      });
      // The thief's token and the owner's newer one alike: the session is over.
      await expectRefused(await refreshWithCookie(app, rotated.refresh), 'revoked');
      expect(app.app.get(RevokedSessions).refuses({ sid: first.sid })).toBe(true);
      await expectRefused(await withToken(app, '/auth/sessions', rotated.token), 'revoked');
      await sleep(50);
      const warning = app.logs.find((line) =>
        line.includes(`Refresh token reused: session ${first.sid}`),
      );
      expect(JSON.parse(warning!)).toMatchObject({ level: 'warn' });
      for (const line of app.logs) {
        expect(line).not.toContain(first.refresh.split('.')[1]);
        expect(line).not.toContain(rotated.refresh.split('.')[1]);
      }
    });

    it('answers missing, invalid and expired with their reason', async () => {
      await expectRefused(await refreshWithCookie(app, ''), 'missing', false);
      const none = await app.request('/auth/refresh', {
        method: 'POST',
        headers: JSON_HEADERS,
        body: '{}',
      });
      await expectRefused(none, 'missing', false);
      await expectRefused(await refreshWithCookie(app, 'not-a-refresh-token'), 'invalid');
      // The access token is not a refresh token.
      const signed = await signIn(app);
      await expectRefused(await refreshWithCookie(app, signed.token), 'invalid');
      // A made-up secret for a real session is invalid, and does not end the session.
      await expectRefused(
        await refreshWithCookie(app, `${signed.sid}.${'A'.repeat(43)}`),
        'invalid',
      );
      expect((await refreshWithCookie(app, signed.refresh)).status).toBe(200);

      const old = await signIn(app);
      await sessionsCollection().updateOne(
        { _id: old.sid as never },
        { $set: { expires_at: new Date(Date.now() - 1000) } },
      );
      await expectRefused(await refreshWithCookie(app, old.refresh), 'expired');
    });

    it('refuses the session of a disabled account', async () => {
      const john = await signIn(app, JOHN);
      const credentials = app.app.get(CredentialsRepository);
      await credentials.setDisabled(JOHN.id, true);
      try {
        await expectRefused(await refreshWithCookie(app, john.refresh), 'revoked');
      } finally {
        await credentials.setDisabled(JOHN.id, false);
      }
    });

    it('refreshes a browser navigation and sends it back to return_to, or to the login page', async () => {
      const signed = await signIn(app);
      const ok = await app.request('/auth/refresh?return_to=%2Fgraph%3Fx%3D1', {
        headers: { cookie: `refresh=${signed.refresh}`, accept: 'text/html' },
        redirect: 'manual',
      });
      expect(ok.status).toBe(303);
      expect(ok.headers.get('location')).toBe('/graph?x=1');
      expect(signedFrom(ok).sid).toBe(signed.sid);
      const none = await app.request('/auth/refresh?return_to=%2Fgraph', { redirect: 'manual' });
      expect(none.status).toBe(303);
      expect(none.headers.get('location')).toBe('/auth/login?return_to=%2Fgraph');
      const foreign = await app.request('/auth/refresh?return_to=https%3A%2F%2Fevil.example', {
        redirect: 'manual',
      });
      expect(foreign.headers.get('location')).toBe('/auth/login?return_to=%2Fgraph');
    });
  });

  describe('logout', () => {
    it('revokes the current session and clears both cookies', async () => {
      const signed = await signIn(app);
      const other = await signIn(app);
      const response = await app.request('/auth/logout', {
        method: 'POST',
        headers: { ...JSON_HEADERS, cookie: `token=${signed.token}; refresh=${signed.refresh}` },
        body: '{}',
      });
      expect(response.status).toBe(204);
      expect(tokenCookie(response)).toMatchObject({ value: '', attributes: { 'max-age': '0' } });
      expect(tokenCookie(response, 'refresh')).toMatchObject({
        value: '',
        attributes: { 'max-age': '0', path: '/auth' },
      });
      await expectRefused(await refreshWithCookie(app, signed.refresh), 'revoked');
      expect(app.app.get(RevokedSessions).refuses({ sid: signed.sid })).toBe(true);
      // Another session of the same user lives on.
      expect((await refreshWithCookie(app, other.refresh)).status).toBe(200);
    });

    it('finds the session from the access token alone too', async () => {
      const signed = await signIn(app);
      const response = await withToken(app, '/auth/logout', signed.token, {
        method: 'POST',
        body: '{}',
      });
      expect(response.status).toBe(204);
      await expectRefused(await refreshWithCookie(app, signed.refresh), 'revoked');
    });

    it('with {"scope":"all"} revokes every session of the user, and tokens of the user issued before', async () => {
      const sessions = [await signIn(app, JOHN), await signIn(app, JOHN), await signIn(app, JOHN)];
      const jane = await signIn(app);
      const response = await app.request('/auth/logout', {
        method: 'POST',
        headers: { ...JSON_HEADERS, cookie: `refresh=${sessions[0].refresh}` },
        body: JSON.stringify({ scope: 'all' }),
      });
      expect(response.status).toBe(204);
      const revoked = app.app.get(RevokedSessions);
      for (const session of sessions) {
        await expectRefused(await refreshWithCookie(app, session.refresh), 'revoked');
        expect(revoked.refuses(decodeJwtPart(session.token, 1))).toBe(true);
      }
      // A token of the user without a session, issued before, is refused as well.
      const sessionless = decodeJwtPart(
        await signToken(keys, { sub: JOHN.id, iat: Math.floor(Date.now() / 1000) - 5 }),
        1,
      );
      expect(revoked.refuses(sessionless)).toBe(true);
      expect(revoked.refuses(decodeJwtPart(jane.token, 1))).toBe(false);
      expect((await refreshWithCookie(app, jane.refresh)).status).toBe(200);
      // Signing in again starts a session that works.
      const again = await signIn(app, JOHN);
      expect(revoked.refuses(decodeJwtPart(again.token, 1))).toBe(false);
      expect((await refreshWithCookie(app, again.refresh)).status).toBe(200);
    });

    it('is refused cross-site (403) like every state-changing auth request', async () => {
      const response = await app.request('/auth/logout', {
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

  describe('session list', () => {
    it("lists the viewer's live sessions with the current one marked, and revokes one by id", async () => {
      const credentials = app.app.get(CredentialsRepository);
      // A user of this test alone, so other tests' sessions do not show.
      await app.request('/auth/signup', {
        method: 'POST',
        headers: JSON_HEADERS,
        body: JSON.stringify({
          username: 'lister',
          password: 'lister-password',
          primary_email: 'lister@example.com',
        }),
      });
      expect(await credentials.findByUsername('lister')).toBeDefined();
      const user = { username: 'lister', password: 'lister-password', id: '' };
      const phone = await signIn(
        app,
        user,
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1',
      );
      const laptop = await signIn(app, user);
      const response = await withToken(app, '/auth/sessions', laptop.token);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const { sessions } = (await response.json()) as { sessions: Record<string, unknown>[] };
      const mine = sessions.filter((s) => s.id === phone.sid || s.id === laptop.sid);
      expect(mine).toEqual([
        {
          id: laptop.sid,
          created_at: expect.any(String),
          last_used_at: expect.any(String),
          user_agent: 'Chrome on Linux',
          current: true,
        },
        expect.objectContaining({ id: phone.sid, user_agent: 'Safari on iOS', current: false }),
      ]);

      const removed = await withToken(app, `/auth/sessions/${phone.sid}`, laptop.token, {
        method: 'DELETE',
      });
      expect(removed.status).toBe(204);
      await expectRefused(await refreshWithCookie(app, phone.refresh), 'revoked');
      const after = (await (await withToken(app, '/auth/sessions', laptop.token)).json()) as {
        sessions: { id: string }[];
      };
      expect(after.sessions.map((s) => s.id)).not.toContain(phone.sid);
    });

    it("answers 404 for another user's session and for an unknown id, and revokes nothing", async () => {
      const jane = await signIn(app);
      const john = await signIn(app, JOHN);
      const response = await withToken(app, `/auth/sessions/${john.sid}`, jane.token, {
        method: 'DELETE',
      });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
      expect(
        (await withToken(app, '/auth/sessions/nope', jane.token, { method: 'DELETE' })).status,
      ).toBe(404);
      expect((await refreshWithCookie(app, john.refresh)).status).toBe(200);
    });

    it('needs a live session: no token, an expired one, a revoked one', async () => {
      await expectRefused(await app.request('/auth/sessions'), 'missing', false);
      const now = Math.floor(Date.now() / 1000);
      const expired = await signToken(keys, { iat: now - 4000, exp: now - 3000 });
      await expectRefused(await withToken(app, '/auth/sessions', expired), 'expired');
      const forged = await signToken(keys, { sid: 'AAAAAAAAAAAAAAAAAAAAAA' });
      await expectRefused(await withToken(app, '/auth/sessions', forged), 'revoked');
      const conflict = await app.request('/auth/sessions', {
        headers: {
          cookie: `token=${await signToken(keys)}`,
          authorization: `Bearer ${await signToken(keys, { jti: 'x' })}`,
        },
      });
      await expectRefused(conflict, 'conflict');
    });
  });

  describe('password change', () => {
    it('checks the current password and the rules, then revokes every other session', async () => {
      await app.request('/auth/signup', {
        method: 'POST',
        headers: JSON_HEADERS,
        body: JSON.stringify({
          username: 'changer',
          password: 'first-password',
          primary_email: 'changer@example.com',
        }),
      });
      const user = { username: 'changer', password: 'first-password', id: '' };
      const here = await signIn(app, user);
      const elsewhere = await signIn(app, user);
      const change = (body: object) =>
        withToken(app, '/auth/password', here.token, {
          method: 'POST',
          body: JSON.stringify(body),
        });

      const wrong = await change({
        current_password: 'not-the-password',
        new_password: 'second-password',
      });
      await expectRefused(wrong, 'invalid', false);
      const short = await change({ current_password: 'first-password', new_password: 'short' });
      expect(short.status).toBe(400);
      expect(await short.json()).toMatchObject({
        code: 'BAD_REQUEST',
        message: 'password must be 8 to 128 characters',
      });
      expect(
        (await change({ current_password: 'first-password', new_password: 'second-password' }))
          .status,
      ).toBe(204);

      await expectRefused(await refreshWithCookie(app, elsewhere.refresh), 'revoked');
      expect((await refreshWithCookie(app, here.refresh)).status).toBe(200);
      expect((await loginJson(app, 'changer', 'first-password')).status).toBe(401);
      expect((await loginJson(app, 'changer', 'second-password')).status).toBe(200);
    });
  });

  describe('accounts', () => {
    it('lets an admin disable an account (its sessions revoked, no sign-in) and enable it again', async () => {
      const admin = await signIn(app, ADMIN);
      const john = await signIn(app, JOHN);
      const post = (path: string, token: string) =>
        withToken(app, path, token, { method: 'POST', body: '{}' });

      expect((await post(`/auth/accounts/${JANE.id}/disable`, john.token)).status).toBe(403);
      expect((await post('/auth/accounts/NoSuchUser01/disable', admin.token)).status).toBe(404);

      expect((await post(`/auth/accounts/${JOHN.id}/disable`, admin.token)).status).toBe(204);
      await expectRefused(await refreshWithCookie(app, john.refresh), 'revoked');
      expect(app.app.get(RevokedSessions).refuses(decodeJwtPart(john.token, 1))).toBe(true);
      expect((await loginJson(app, JOHN.username, JOHN.password)).status).toBe(401);

      expect((await post(`/auth/accounts/${JOHN.id}/enable`, admin.token)).status).toBe(204);
      expect((await loginJson(app, JOHN.username, JOHN.password)).status).toBe(200);
    });
  });

  describe('on the API', () => {
    const VIEWER = '{ viewer { username } }';
    async function refusedOnGraphQL(
      headers: Record<string, string>,
      reason: string,
      tokenSent = true,
    ): Promise<void> {
      const response = await app.request('/graphql', {
        method: 'POST',
        headers: { ...JSON_HEADERS, ...headers },
        body: JSON.stringify({ query: VIEWER }),
      });
      expect(response.status).toBe(401);
      const body = (await response.json()) as {
        data?: unknown;
        errors: { extensions: Record<string, unknown> }[];
      };
      expect(body.data).toBeUndefined();
      expect(body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason });
      expect(response.headers.get('www-authenticate')).toBe(
        tokenSent ? 'Bearer error="invalid_token"' : null,
      );
    }

    it('refuses the tokens of a revoked session, cached or not, with reason revoked', async () => {
      const signed = await signIn(app);
      const second = signedFrom(await refreshWithCookie(app, signed.refresh));
      // The first one is verified and cached before the logout; the second never was.
      expect((await graphql(app, VIEWER, { token: signed.token })).status).toBe(200);
      await app.request('/auth/logout', {
        method: 'POST',
        headers: { ...JSON_HEADERS, cookie: `refresh=${second.refresh}` },
        body: '{}',
      });
      await refusedOnGraphQL({ cookie: `token=${signed.token}` }, 'revoked');
      await refusedOnGraphQL({ authorization: `Bearer ${second.token}` }, 'revoked');
    });

    it('says why in every 401: missing, expired, invalid, conflict (two cookies or cookie and bearer)', async () => {
      await refusedOnGraphQL({}, 'missing', false);
      const now = Math.floor(Date.now() / 1000);
      await refusedOnGraphQL(
        { cookie: `token=${await signToken(keys, { iat: now - 4000, exp: now - 3000 })}` },
        'expired',
      );
      await refusedOnGraphQL({ cookie: 'token=not.a.token' }, 'invalid');
      const mine = await signToken(keys);
      const planted = await signToken(keys, { sub: JOHN.id });
      await refusedOnGraphQL({ cookie: `token=${planted}; token=${mine}` }, 'conflict');
      await refusedOnGraphQL(
        { cookie: `token=${mine}`, authorization: `Bearer ${planted}` },
        'conflict',
      );
      expect(
        (await graphql(app, VIEWER, { headers: { cookie: `token=${mine}; token=${mine}` } }))
          .status,
      ).toBe(200);
    });

    it('keeps an expired session going: expired token, refresh with the cookie alone, the query again', async () => {
      const signed = await signIn(app);
      const now = Math.floor(Date.now() / 1000);
      const expired = await signToken(keys, { sid: signed.sid, iat: now - 4000, exp: now - 3000 });
      await refusedOnGraphQL({ cookie: `token=${expired}` }, 'expired');
      const renewed = signedFrom(await refreshWithCookie(app, signed.refresh));
      expect((await graphql(app, VIEWER, { token: renewed.token })).body.data).toEqual({
        viewer: { username: JANE.username },
      });
    });
  });

  describe('expiry', () => {
    it('removes sessions and revocation entries past their end', async () => {
      const signed = await signIn(app);
      const past = new Date(Date.now() - 1000);
      await sessionsCollection().updateOne(
        { _id: signed.sid as never },
        { $set: { expires_at: past } },
      );
      await app.connection
        .collection('session_revocation')
        .insertOne({ _id: 'old-entry' as never, at: past, sid: 'gone', expires_at: past });
      expect(await app.app.get(ExpiredSessions).sweep()).toBeGreaterThanOrEqual(2);
      expect(await sessionsCollection().countDocuments({ _id: signed.sid as never })).toBe(0);
    });
  });
});

// An app of its own: passport keeps one 'jwt' strategy per process, the last app's, so this
// runs once the main app above is closed.
describe('password change limits', () => {
  it('is rate-limited like sign-in', async () => {
    const limited = await startTestApp({
      seed: true,
      env: { LOGIN_RATE_LIMIT_PER_USERNAME: '2' },
    });
    try {
      const jane = await signIn(limited);
      const attempt = () =>
        withToken(limited, '/auth/password', jane.token, {
          method: 'POST',
          body: JSON.stringify({ current_password: 'guess-guess', new_password: 'whatever-new' }),
        });
      expect((await attempt()).status).toBe(401);
      expect((await attempt()).status).toBe(401);
      const refused = await attempt();
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});

describe('revocation feed', () => {
  /** Milliseconds until the API process answers 401 revoked to a GraphQL request with this token. */
  const waitForRefusal = async (api: TestApp, token: string): Promise<number> => {
    const started = Date.now();
    for (;;) {
      const { status, body } = await graphql(api, '{ viewer { id } }', { token });
      if (status === 401) {
        expect(body.errors?.[0]?.extensions?.reason).toBe('revoked');
        return Date.now() - started;
      }
      if (Date.now() - started > 5000) throw new Error('token still accepted after 5 s');
      await sleep(20);
    }
  };

  const waitForRevocation = async (app: TestApp, sid: string): Promise<number> => {
    const started = Date.now();
    while (!app.app.get(RevokedSessions).refuses({ sid })) {
      if (Date.now() - started > 5000) throw new Error(`sid ${sid} not revoked after 5 s`);
      await sleep(20);
    }
    return Date.now() - started;
  };

  async function twoProcesses(env: Record<string, string> = {}) {
    const uri = testDatabaseUri(uniqueDatabaseName());
    const auth = await startTestApp({ mongodbUri: uri, seed: true, env });
    // The auth process's keys: the API verifies what it signs.
    const api = await startTestApp({
      mongodbUri: uri,
      env: { ...auth.keys.env, APP_ROLE: 'api', ...env },
    });
    return {
      auth,
      api,
      close: async () => {
        await api.close();
        await auth.app.get<Connection>(getConnectionToken()).dropDatabase();
        await auth.close();
      },
    };
  }

  it('reaches another process through the MongoDB collection within 2 s', async () => {
    const { auth, api, close } = await twoProcesses();
    try {
      const signed = await signIn(auth);
      // A process started after an earlier revocation learns it too (first read).
      const earlier = await signIn(auth);
      await auth.request('/auth/logout', {
        method: 'POST',
        headers: { ...JSON_HEADERS, cookie: `refresh=${earlier.refresh}` },
        body: '{}',
      });
      expect(api.app.get(RevokedSessions).refuses({ sid: signed.sid })).toBe(false);
      expect((await graphql(api, '{ viewer { id } }', { token: signed.token })).status).toBe(200);
      await auth.request('/auth/logout', {
        method: 'POST',
        headers: { ...JSON_HEADERS, cookie: `refresh=${signed.refresh}` },
        body: '{}',
      });
      expect(await waitForRefusal(api, signed.token)).toBeLessThan(2000);
      expect(await waitForRevocation(api, earlier.sid)).toBeLessThan(2000);
    } finally {
      await close();
    }
  });

  (redisServerInstalled() ? it : it.skip)(
    'reaches it through Redis pub/sub when REDIS_URL is set',
    async () => {
      const redis: TestRedis = await startRedis();
      const { auth, api, close } = await twoProcesses({ REDIS_URL: redis.url });
      try {
        await sleep(1500); // both subscribed and caught up
        const signed = await signIn(auth);
        await auth.request('/auth/logout', {
          method: 'POST',
          headers: { ...JSON_HEADERS, cookie: `refresh=${signed.refresh}` },
          body: '{}',
        });
        // Well under the collection's one-second poll.
        expect(await waitForRevocation(api, signed.sid)).toBeLessThan(500);
      } finally {
        await close();
        await redis.stop();
      }
    },
  );

  it('while the feed cannot be read, keeps serving, says so once, counts it, and catches up after', async () => {
    const database = await startOwnDatabase('revocation-feed-outage');
    const app = await startTestApp({
      mongodbUri: database.uri('feed'),
      captureLogs: true,
      env: { DB_TIMEOUT: '500ms' },
    });
    try {
      const token = await signToken(app.keys);
      const ask = () => graphql(app, '{ __typename }', { token });
      expect((await ask()).status).toBe(200);
      const feedLines = () =>
        app.logs.filter((line) => line.includes('The revocation feed cannot be read'));
      await database.stop();
      const started = Date.now();
      while (feedLines().length === 0) {
        if (Date.now() - started > 10_000) throw new Error('no log line about the feed');
        await sleep(100);
      }
      expect(JSON.parse(feedLines()[0])).toMatchObject({ level: 'warn' });
      // Tokens are still checked and served while it lasts.
      expect((await ask()).status).toBe(200);
      await sleep(2_500);
      expect(feedLines()).toHaveLength(1); // once a minute, not once a second
      const metrics = await (await app.request('/metrics')).text();
      expect(
        Number(/^auth_revocation_feed_failures_total (\d+)/m.exec(metrics)?.[1]),
      ).toBeGreaterThan(1);
      expect(
        Number(/^auth_revocation_feed_age_seconds ([\d.]+)/m.exec(metrics)?.[1]),
      ).toBeGreaterThan(2);
      await database.start();
      const back = Date.now();
      while (!app.logs.some((line) => line.includes('The revocation feed can be read again'))) {
        if (Date.now() - back > 15_000) throw new Error('the feed did not come back');
        await sleep(100);
      }
    } finally {
      await app.close();
      await database.dispose();
    }
  }, 60_000);
});

describe('cookie names', () => {
  it('uses __Host-token in production unless COOKIE_DOMAIN is set; COOKIE_NAME still wins', async () => {
    const keys = await makeTestKeys();
    const production = (env: Record<string, string>) =>
      loadConfig(
        {
          NODE_ENV: 'production',
          MONGODB_URI: 'mongodb://127.0.0.1:27017/app',
          CORS_ORIGINS: 'https://app.example.com',
          ...keys.env,
          ...env,
        },
        { dotenv: false },
      ).auth.cookie.name;
    expect(production({})).toBe('__Host-token');
    expect(production({ COOKIE_DOMAIN: 'example.com' })).toBe('token');
    expect(production({ COOKIE_NAME: 'session' })).toBe('session');
    expect(loadConfig({ NODE_ENV: 'development' }, { dotenv: false }).auth.cookie.name).toBe(
      'token',
    );
  });

  it('reads REDIS_URL, and RATE_LIMIT_REDIS_URL as its older name', () => {
    const redisOf = (env: Record<string, string>) => loadConfig(env, { dotenv: false }).redis.url;
    expect(redisOf({ REDIS_URL: 'redis://a:6379' })).toBe('redis://a:6379');
    expect(redisOf({ RATE_LIMIT_REDIS_URL: 'redis://b:6379' })).toBe('redis://b:6379');
    expect(() => redisOf({ REDIS_URL: 'http://x' })).toThrow(/REDIS_URL is not valid/);
  });
});
