/**
 * Revoked sessions end their WebSockets (docs/api.md, Subscriptions): every way
 * a user can revoke a session (sign-out, sign-out everywhere, a session revoked
 * from the list, refresh-token reuse, a password change, an admin disabling the
 * account) closes the sockets of the sessions it revokes with 4401 within a few
 * seconds, in the process that revoked it and, through the revocation feed, in
 * another one; sockets of the sessions it spares stay open.
 */
import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { ADMIN, decodeJwtPart, JANE, JOHN, tokenCookie } from './support/auth-helpers';
import { startTestApp, type KitApp } from './support';
import { testDatabaseUri, uniqueDatabaseName, type TestApp } from './support/test-app';
import { startRedis, type TestRedis } from './support/redis-server';
import { subscribe, wsClient, type Closed } from './support/ws-client';

const JSON_HEADERS = { 'content-type': 'application/json' };
const REVOKED = { code: 4401, reason: 'Unauthorized: the session was revoked' };
/** One authorization check a second, plus the feed's read a second for another process. */
const SAME_PROCESS_MS = 3_000;
const OTHER_PROCESS_MS = 5_000;

/** A signed-in client: its access and refresh tokens, as the auth endpoint set them. */
interface Signed {
  readonly token: string;
  readonly refresh: string;
  readonly sid: string;
}

async function signIn(app: TestApp, user: { username: string; password: string }): Promise<Signed> {
  const response = await app.request('/auth/login', {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({ username: user.username, password: user.password }),
  });
  expect(response.status).toBe(200);
  const token = tokenCookie(response)!.value;
  return {
    token,
    refresh: tokenCookie(response, 'refresh')!.value,
    sid: String(decodeJwtPart(token, 1).sid),
  };
}

/** A JSON POST to the auth endpoint with the given cookies. */
function post(app: TestApp, path: string, cookie: string, body: object = {}): Promise<Response> {
  return app.request(path, {
    method: 'POST',
    headers: { ...JSON_HEADERS, cookie },
    body: JSON.stringify(body),
  });
}

describe('revoked sessions close their sockets', () => {
  const clients: Array<{ dispose(): unknown }> = [];

  /** A socket with a subscription running, authenticated by `token`; `closed` says how and when it ended. */
  const subscriber = async (app: TestApp, token: string) => {
    const connection = wsClient(app.url, { token });
    clients.push(connection.client);
    await connection.connected;
    subscribe(connection.client, 'subscription { orderCreated { id } }');
    let closedAt = 0;
    const closed: Promise<Closed> = connection.closed.then((how) => {
      closedAt = Date.now();
      return how;
    });
    return { closed, closedAt: () => closedAt, isOpen: () => closedAt === 0 };
  };

  /** Expects every socket to close as revoked within `withinMs` of `since`. */
  const expectClosed = async (
    sockets: Array<Awaited<ReturnType<typeof subscriber>>>,
    since: number,
    withinMs: number,
  ) => {
    for (const socket of sockets) {
      const timeout = new Promise<'open'>((resolve) =>
        setTimeout(() => resolve('open'), withinMs - (Date.now() - since)).unref(),
      );
      expect(await Promise.race([socket.closed, timeout])).toEqual(REVOKED);
      expect(socket.closedAt() - since).toBeLessThan(withinMs);
    }
  };

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });

  describe('in one process', () => {
    let app: TestApp;

    beforeAll(async () => {
      app = await startTestApp({ seed: true, env: { LOGIN_RATE_LIMIT_PER_USERNAME: '100' } });
    });
    afterAll(() => app?.close());

    it('sign-out closes the sockets of that session only', async () => {
      const [signed, other] = [await signIn(app, JANE), await signIn(app, JANE)];
      const sockets = [await subscriber(app, signed.token), await subscriber(app, signed.token)];
      const spared = await subscriber(app, other.token);
      const at = Date.now();
      expect((await post(app, '/auth/logout', `refresh=${signed.refresh}`)).status).toBe(204);
      await expectClosed(sockets, at, SAME_PROCESS_MS);
      expect(spared.isOpen()).toBe(true);
    });

    it('sign-out everywhere closes every socket of the user, not those of others', async () => {
      const sessions = [await signIn(app, JOHN), await signIn(app, JOHN)];
      const sockets = await Promise.all(sessions.map((session) => subscriber(app, session.token)));
      const spared = await subscriber(app, (await signIn(app, JANE)).token);
      const at = Date.now();
      const response = await post(app, '/auth/logout', `refresh=${sessions[0].refresh}`, {
        scope: 'all',
      });
      expect(response.status).toBe(204);
      await expectClosed(sockets, at, SAME_PROCESS_MS);
      expect(spared.isOpen()).toBe(true);
    });

    it('revoking a session from the session list closes its sockets', async () => {
      const [here, there] = [await signIn(app, JANE), await signIn(app, JANE)];
      const socket = await subscriber(app, there.token);
      const spared = await subscriber(app, here.token);
      const at = Date.now();
      const response = await app.request(`/auth/sessions/${there.sid}`, {
        method: 'DELETE',
        headers: { ...JSON_HEADERS, cookie: `token=${here.token}` },
        body: '{}',
      });
      expect(response.status).toBe(204);
      await expectClosed([socket], at, SAME_PROCESS_MS);
      expect(spared.isOpen()).toBe(true);
    });

    it('a reused refresh token closes the sockets of its session, whichever token they hold', async () => {
      const signed = await signIn(app, JANE);
      const rotated = await post(app, '/auth/refresh', `refresh=${signed.refresh}`);
      expect(rotated.status).toBe(200);
      const sockets = [
        await subscriber(app, signed.token),
        await subscriber(app, tokenCookie(rotated)!.value),
      ];
      const at = Date.now();
      const reused = await post(app, '/auth/refresh', `refresh=${signed.refresh}`);
      expect(reused.status).toBe(401);
      await expectClosed(sockets, at, SAME_PROCESS_MS);
    });

    it("a password change closes the other sessions' sockets and keeps the current one", async () => {
      const user = { username: 'socket-changer', password: 'first-password' };
      const signup = await app.request('/auth/signup', {
        method: 'POST',
        headers: JSON_HEADERS,
        body: JSON.stringify({ ...user, primary_email: 'socket-changer@example.com' }),
      });
      expect(signup.status).toBeLessThan(300);
      const [here, elsewhere] = [await signIn(app, user), await signIn(app, user)];
      const kept = await subscriber(app, here.token);
      const socket = await subscriber(app, elsewhere.token);
      const at = Date.now();
      const changed = await post(app, '/auth/password', `token=${here.token}`, {
        current_password: user.password,
        new_password: 'second-password',
      });
      expect(changed.status).toBe(204);
      await expectClosed([socket], at, SAME_PROCESS_MS);
      expect(kept.isOpen()).toBe(true);
    });

    it('an admin disabling an account closes all of its sockets', async () => {
      const admin = await signIn(app, ADMIN);
      const john = await signIn(app, JOHN);
      const sockets = [await subscriber(app, john.token), await subscriber(app, john.token)];
      const at = Date.now();
      try {
        expect(
          (await post(app, `/auth/accounts/${JOHN.id}/disable`, `token=${admin.token}`)).status,
        ).toBe(204);
        await expectClosed(sockets, at, SAME_PROCESS_MS);
        // A new connection with the old token is refused at connect, by the same check.
        expect(await wsClient(app.url, { token: john.token }).closed).toEqual({
          code: 4401,
          reason: expect.stringMatching(/^Unauthorized/),
        });
      } finally {
        await post(app, `/auth/accounts/${JOHN.id}/enable`, `token=${admin.token}`);
      }
    });
  });

  describe.each([
    ['MongoDB', false],
    ['Redis (REDIS_URL)', true],
  ])('in another process, through the revocation feed over %s', (_feed, withRedis) => {
    let redis: TestRedis | undefined;
    let auth: KitApp;
    let api: TestApp;

    beforeAll(async () => {
      const mongodbUri = testDatabaseUri(uniqueDatabaseName());
      if (withRedis) redis = await startRedis();
      const env = redis ? { REDIS_URL: redis.url } : {};
      auth = await startTestApp({ mongodbUri, seed: true, env });
      // The auth process's keys: the API verifies what it signs.
      api = await startTestApp({ mongodbUri, env: { ...auth.keys.env, ...env, APP_ROLE: 'api' } });
    });
    afterAll(async () => {
      await api?.close();
      await auth?.app.get<Connection>(getConnectionToken()).dropDatabase();
      await auth?.close();
      await redis?.stop();
    });

    it('sign-out at the auth process closes the sockets of that session on the API process', async () => {
      const [signed, other] = [await signIn(auth, JANE), await signIn(auth, JANE)];
      const socket = await subscriber(api, signed.token);
      const spared = await subscriber(api, other.token);
      const at = Date.now();
      expect((await post(auth, '/auth/logout', `refresh=${signed.refresh}`)).status).toBe(204);
      await expectClosed([socket], at, OTHER_PROCESS_MS);
      expect(spared.isOpen()).toBe(true);
    });

    it('sign-out everywhere at the auth process closes every socket of the user there', async () => {
      const sessions = [await signIn(auth, JOHN), await signIn(auth, JOHN)];
      const sockets = await Promise.all(sessions.map((session) => subscriber(api, session.token)));
      const at = Date.now();
      const response = await post(auth, '/auth/logout', `refresh=${sessions[1].refresh}`, {
        scope: 'all',
      });
      expect(response.status).toBe(204);
      await expectClosed(sockets, at, OTHER_PROCESS_MS);
    });
  });
});
