import { PassportModule } from '@nestjs/passport';
import { Test } from '@nestjs/testing';
import { base64url, SignJWT, type JWTPayload } from 'jose';
import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import passport from 'passport';
import { Strategy } from 'passport-jwt';
import { APP_CONFIG, loadConfig, type AppConfig } from '../config/app-config';
import { AppMetrics } from '../metrics/app-metrics';
import { JwtStrategy, type VerifiedToken } from './jwt.strategy';
import { TokenRefusal } from './token-refusal';
import { generatePemKeyPair, parseSigningKey } from './keys/key-material';
import { KeyStore } from './keys/key-store';
import { RevokedSessions } from './sessions/revoked-sessions';

const ISSUER = 'user-order-auth';
const AUDIENCE = 'user-order-api';
const USER_ID = '1E4Yo11Y3r9a';

interface Outcome {
  readonly error: unknown;
  readonly user: unknown;
  readonly info: unknown;
}

interface TestKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly pem: { privateKey: string; publicKey: string };
}

async function makeKey(alg: 'ES256' | 'RS256' = 'ES256'): Promise<TestKey> {
  const pem = generatePemKeyPair(alg);
  const signing = await parseSigningKey(pem.privateKey, alg);
  return { kid: signing.kid, privateKey: createPrivateKey(pem.privateKey), pem };
}

const now = () => Math.floor(Date.now() / 1000);

function signWith(
  key: TestKey,
  claims: JWTPayload = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const payload: JWTPayload = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: USER_ID,
    locale: 'fr',
    roles: ['user', 'admin', 'root'],
    iat: now(),
    exp: now() + 900,
    auth_time: now(),
    ...claims,
  };
  for (const [name, value] of Object.entries(payload))
    if (value === undefined) delete payload[name];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT', ...header })
    .sign(key.privateKey);
}

/** A token put together by hand, for headers jose refuses to sign. */
function handMade(key: TestKey, header: object, payload: object): string {
  const head = base64url.encode(JSON.stringify(header));
  const body = base64url.encode(JSON.stringify(payload));
  const signature = sign('sha256', Buffer.from(`${head}.${body}`), {
    key: key.privateKey,
    dsaEncoding: 'ieee-p1363',
  }).toString('base64url');
  return `${head}.${body}.${signature}`;
}

/** Runs the registered 'jwt' strategy the way AuthGuard('jwt') does. */
function authenticate(headers: Record<string, string>, cookies: Record<string, string> = {}) {
  return new Promise<Outcome>((resolve, reject) => {
    passport.authenticate(
      'jwt',
      { session: false },
      (error: unknown, user: unknown, info: unknown) => resolve({ error, user, info }),
    )({ headers, cookies }, {}, reject);
  });
}

const withCookie = (token: string) => authenticate({}, { token });
const refusalOf = (outcome: Outcome) => {
  expect(outcome.user).toBe(false);
  expect(outcome.error).toBeNull();
  return outcome.info as Error;
};

describe('JwtStrategy (passport-jwt)', () => {
  let key: TestKey;
  let mainThreadChecks: jest.SpyInstance;
  let metrics: AppMetrics;
  let revoked: RevokedSessions;
  let strategy: JwtStrategy;
  /** Signature checks since the test began. */
  const signatureChecks = () => mainThreadChecks.mock.calls.length;

  async function build(env: Record<string, string> = {}): Promise<AppConfig> {
    const config = loadConfig(
      {
        NODE_ENV: 'test',
        JWT_PRIV_KEY_B64: Buffer.from(key.pem.privateKey).toString('base64'),
        ...env,
      },
      { dotenv: false },
    );
    metrics = new AppMetrics(true);
    revoked = new RevokedSessions();
    const moduleRef = await Test.createTestingModule({
      imports: [PassportModule],
      providers: [
        JwtStrategy,
        { provide: AppMetrics, useValue: metrics },
        { provide: RevokedSessions, useFactory: () => revoked },
        { provide: APP_CONFIG, useValue: config },
        { provide: KeyStore, useFactory: () => new KeyStore(config).load() },
      ],
    }).compile();
    strategy = moduleRef.get(JwtStrategy);
    return config;
  }

  beforeAll(async () => {
    key = await makeKey();
  });
  beforeEach(async () => {
    // passport-jwt's hook around jsonwebtoken.verify: one call is one signature check.
    mainThreadChecks = jest.spyOn(
      Strategy as unknown as { JwtVerifier: (...args: unknown[]) => void },
      'JwtVerifier',
    );
    await build();
  });
  afterEach(() => jest.restoreAllMocks());

  it('verifies with passport-jwt, once', async () => {
    expect((await withCookie(await signWith(key))).user).toBeTruthy();
    expect(mainThreadChecks).toHaveBeenCalledTimes(1);
  });

  it('accepts a token from the cookie: the viewer as user, the verified token as info', async () => {
    const outcome = await withCookie(await signWith(key));
    expect(outcome.error).toBeNull();
    // Unknown roles are dropped; the locale comes from the token.
    expect(outcome.user).toEqual({ user_id: USER_ID, locale: 'fr', roles: ['user', 'admin'] });
    expect((outcome.info as VerifiedToken).payload.auth_time).toEqual(expect.any(Number));
  });

  it('accepts a bearer token, and the same token in both places', async () => {
    const token = await signWith(key);
    expect((await authenticate({ authorization: `Bearer ${token}` })).user).toBeTruthy();
    expect((await authenticate({ authorization: `Bearer ${token}` }, { token })).user).toBeTruthy();
  });

  it.each<[string, () => Promise<Outcome>, TokenRefusal['reason']]>([
    ['no token at all', () => authenticate({}), 'missing'],
    ['an empty cookie', () => withCookie(''), 'missing'],
    ['a scheme other than Bearer', () => authenticate({ authorization: 'Basic abc' }), 'missing'],
    [
      'cookie and bearer carrying different tokens',
      async () =>
        authenticate(
          { authorization: `Bearer ${await signWith(key, { sub: 'someoneElse1' })}` },
          { token: await signWith(key) },
        ),
      'conflict',
    ],
    [
      'a token over 8 KiB',
      async () => withCookie(await signWith(key, { padding: 'x'.repeat(9000) })),
      'invalid',
    ],
  ])('refuses %s before any parsing (%s)', async (_case, run, reason) => {
    const refusal = refusalOf(await run());
    expect(refusal).toBeInstanceOf(TokenRefusal);
    expect((refusal as TokenRefusal).reason).toBe(reason);
    expect(signatureChecks()).toBe(0);
  });

  it.each<[string, () => Promise<string>, RegExp]>([
    ['an unknown kid', () => signWith({ ...key, kid: 'nobody' }), /unknown kid "nobody"/],
    ['a kid that is not a string', () => signWith(key, {}, { kid: 7 }), /kid is not a string/],
    [
      'an algorithm other than the key’s',
      async () => handMade(key, { alg: 'RS256', kid: key.kid }, { sub: USER_ID }),
      /alg RS256 is not the key's ES256/,
    ],
    [
      'alg none',
      async () => `${base64url.encode('{"alg":"none","kid":"x"}')}.${base64url.encode('{}')}.`,
      /unknown kid|alg none/,
    ],
    ['a header that is not JSON', async () => 'bm90IGpzb24.e30.sig', /header is not a JSON object/],
    ['expired', () => signWith(key, { iat: now() - 2000, exp: now() - 120 }), /jwt expired/],
    ['nbf in the future', () => signWith(key, { nbf: now() + 600 }), /jwt not active/],
    ['a wrong issuer', () => signWith(key, { iss: 'someone-else' }), /jwt issuer invalid/],
    ['a wrong audience', () => signWith(key, { aud: 'another-api' }), /jwt audience invalid/],
    ['no exp', () => signWith(key, { exp: undefined }), /exp is missing/],
    ['no sub', () => signWith(key, { sub: undefined }), /sub is not a user id/],
    [
      'a sub over 64 characters',
      () => signWith(key, { sub: 'u'.repeat(65) }),
      /sub is not a user id/,
    ],
    [
      'iat in the future',
      () => signWith(key, { iat: now() + 600, exp: now() + 1500 }),
      /iat is in the future/,
    ],
    [
      'a lifetime longer than JWT_TTL plus the clock tolerance',
      () => signWith(key, { iat: now(), exp: now() + 900 + 31 }),
      /lifetime longer than JWT_TTL/,
    ],
    [
      'an exp ten years ahead',
      () => signWith(key, { iat: now(), exp: now() + 10 * 365 * 86_400 }),
      /lifetime longer than JWT_TTL/,
    ],
    [
      'no iat and an exp beyond JWT_TTL from now',
      () => signWith(key, { iat: undefined, exp: now() + 3600 }),
      /lifetime longer than JWT_TTL/,
    ],
    [
      'an unknown crit header',
      async () =>
        handMade(
          key,
          { alg: 'ES256', kid: key.kid, crit: ['x-must'], 'x-must': true },
          { iss: ISSUER, aud: AUDIENCE, sub: USER_ID, exp: now() + 900 },
        ),
      /unknown crit header/,
    ],
    [
      'a signature by another key under our kid',
      async () => signWith({ ...(await makeKey()), kid: key.kid }),
      /invalid signature/,
    ],
  ])('refuses %s', async (_case, token, message) => {
    expect(refusalOf(await withCookie(await token())).message).toMatch(message);
  });

  it('accepts a lifetime up to JWT_TTL plus the clock tolerance, as JWT_TTL sets it', async () => {
    expect((await withCookie(await signWith(key, { exp: now() + 930 }))).user).toBeTruthy();
    await build({ JWT_TTL: '1h' });
    expect((await withCookie(await signWith(key, { exp: now() + 3600 }))).user).toBeTruthy();
  });

  it('allows the configured clock tolerance for nbf and iat, and no more', async () => {
    expect(
      (await withCookie(await signWith(key, { nbf: now() + 20, iat: now() + 20 }))).user,
    ).toBeTruthy();
    expect(refusalOf(await withCookie(await signWith(key, { nbf: now() + 45 }))).message).toMatch(
      /not active/,
    );
  });

  it('checks a signature once per token: a second request is answered from the cache', async () => {
    const token = await signWith(key);
    await withCookie(token);
    await withCookie(token);
    expect(signatureChecks()).toBe(1);
    const scraped = (await metrics.scrape()).body;
    expect(scraped).toContain('auth_token_cache_lookups_total{result="hit"} 1');
    expect(scraped).toContain('auth_token_cache_lookups_total{result="miss"} 1');
  });

  it('never caches a refusal', async () => {
    const token = await signWith(key, { iss: 'someone-else' });
    refusalOf(await withCookie(token));
    refusalOf(await withCookie(token));
    expect(signatureChecks()).toBe(2);
  });

  it('answers a cached token exactly as long as verification accepts it: to exp plus the clock tolerance', async () => {
    const exp = now() + 60;
    const token = await signWith(key, { exp });
    expect((await withCookie(token)).user).toBeTruthy();
    const lastAccepted = (exp + 30) * 1000 - 1;
    const clock = jest.spyOn(Date, 'now').mockReturnValue(lastAccepted);
    // Past exp, within the 30 s tolerance: still answered from the cache, no second check.
    expect((await withCookie(token)).user).toBeTruthy();
    expect(signatureChecks()).toBe(1);
    const scraped = (await metrics.scrape()).body;
    expect(scraped).toContain('auth_token_cache_lookups_total{result="hit"} 1');
    // Verification, with no cache, agrees at the same instant.
    await build();
    expect((await withCookie(token)).user).toBeTruthy();
    expect(signatureChecks()).toBe(2);
    // One millisecond later both refuse: the cached token is checked again and is expired.
    clock.mockReturnValue(lastAccepted + 1);
    expect(refusalOf(await withCookie(token)).message).toMatch(/jwt expired/);
    expect(signatureChecks()).toBe(3);
  });

  it('verifies RS256 tokens with an RSA key', async () => {
    const rsa = await makeKey('RS256');
    key = rsa;
    await build({ JWT_ALG: 'RS256' });
    const token = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: USER_ID })
      .setProtectedHeader({ alg: 'RS256', kid: rsa.kid })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(rsa.privateKey);
    expect((await withCookie(token)).user).toEqual({
      user_id: USER_ID,
      locale: 'en',
      roles: ['user'],
    });
    key = await makeKey();
  });

  it('refuses a token of a revoked session, from the cache as on its first check', async () => {
    const token = await signWith(key, { sid: 'session-one' });
    const other = await signWith(key, { sid: 'session-two' });
    expect((await withCookie(token)).user).toBeTruthy();
    revoked.apply({ sid: 'session-one', expiresAt: Date.now() + 60_000 });
    // Verified before and cached: still refused, with no second signature check.
    const cached = refusalOf(await withCookie(token)) as TokenRefusal;
    expect(cached.reason).toBe('revoked');
    expect(signatureChecks()).toBe(1);
    revoked.apply({ sid: 'session-two', expiresAt: Date.now() + 60_000 });
    expect((refusalOf(await withCookie(other)) as TokenRefusal).reason).toBe('revoked');
  });

  it('says why a token it accepted is refused now (what open WebSockets are closed for)', async () => {
    const accepted = (await withCookie(await signWith(key, { sid: 'session-three' })))
      .info as VerifiedToken;
    expect(strategy.refusalOf(accepted)).toBeUndefined();
    expect(strategy.refusalOf(accepted, (accepted.payload.exp + 1) * 1000)).toBe('expired');
    revoked.apply({ sid: 'session-three', expiresAt: Date.now() + 60_000 });
    expect(strategy.refusalOf(accepted)).toBe('revoked');
  });

  it("refuses a user's tokens issued before a cut-off (sign-out everywhere), with or without sid", async () => {
    const before = await signWith(key, { iat: now() - 10 });
    const after = await signWith(key, { iat: now() + 5 });
    revoked.apply({ userId: USER_ID, notBefore: now(), expiresAt: Date.now() + 60_000 });
    expect((refusalOf(await withCookie(before)) as TokenRefusal).reason).toBe('revoked');
    expect((await withCookie(after)).user).toBeTruthy();
  });

  it('refuses two different access cookies as a conflict, and accepts the same one twice', async () => {
    const token = await signWith(key);
    const planted = await signWith(key, { sub: 'someoneElse1' });
    const twice = await authenticate({ cookie: `token=${token}; token=${planted}` }, { token });
    expect((refusalOf(twice) as TokenRefusal).reason).toBe('conflict');
    const same = await authenticate(
      { cookie: `token=${token}; other=1; token=${token}` },
      { token },
    );
    expect(same.user).toBeTruthy();
    const prefixed = await authenticate({ cookie: `__Host-token=x; token=${token}` }, { token });
    expect(prefixed.user).toBeTruthy();
  });
});

describe('JwtStrategy on JWKS_URL: a key withdrawn from the set', () => {
  let key: TestKey;
  let other: TestKey;
  let served: { status: number; keys: TestKey[] };
  let strategy: JwtStrategy;
  let server: Server;
  let jwksUrl: string;

  const jwk = (test: TestKey) => ({
    ...createPublicKey(test.pem.publicKey).export({ format: 'jwk' }),
    kid: test.kid,
    alg: 'ES256',
    use: 'sig',
  });

  beforeAll(async () => {
    key = await makeKey();
    other = await makeKey();
    server = createServer((_req, res) => {
      res.writeHead(served.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: served.keys.map(jwk) }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  beforeEach(async () => {
    served = { status: 200, keys: [key, other] };
    const config = loadConfig(
      { NODE_ENV: 'test', APP_ROLE: 'api', JWKS_URL: jwksUrl, JWKS_CACHE_MAX_AGE: '1s' },
      { dotenv: false },
    );
    const moduleRef = await Test.createTestingModule({
      imports: [PassportModule],
      providers: [
        JwtStrategy,
        { provide: AppMetrics, useValue: new AppMetrics(false) },
        { provide: RevokedSessions, useValue: new RevokedSessions() },
        { provide: APP_CONFIG, useValue: config },
        { provide: KeyStore, useFactory: () => new KeyStore(config).load() },
      ],
    }).compile();
    strategy = moduleRef.get(JwtStrategy);
  });

  /** Asks with the token until it is refused, for at most `ms`; the time it took, or undefined. */
  async function refusedWithin(token: string, ms: number): Promise<number | undefined> {
    const started = Date.now();
    while (Date.now() - started < ms) {
      if ((await withCookie(token)).user === false) return Date.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return undefined;
  }

  it('refuses the tokens verified with it before, once the set is fetched again', async () => {
    const token = await signWith(key);
    const keeps = await signWith(other);
    expect((await withCookie(token)).user).toBeTruthy();
    expect((await withCookie(keeps)).user).toBeTruthy();
    served = { status: 200, keys: [other] };
    // The set is older than JWKS_CACHE_MAX_AGE (1 s) after a second: a cached answer fetches it again.
    expect(await refusedWithin(token, 5_000)).toBeDefined();
    expect((await withCookie(keeps)).user).toBeTruthy();
  });

  it('says of a token accepted before that its key was withdrawn (what an open WebSocket is closed for)', async () => {
    const accepted = (await withCookie(await signWith(key))).info as VerifiedToken;
    expect(strategy.refusalOf(accepted)).toBeUndefined();
    served = { status: 200, keys: [other] };
    const started = Date.now();
    while (strategy.refusalOf(accepted) === undefined && Date.now() - started < 5_000)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(strategy.refusalOf(accepted)).toBe('invalid');
  });

  it('keeps answering them while the auth endpoint cannot be reached', async () => {
    const token = await signWith(key);
    expect((await withCookie(token)).user).toBeTruthy();
    served = { status: 503, keys: [] };
    expect(await refusedWithin(token, 2_500)).toBeUndefined();
  });
});
