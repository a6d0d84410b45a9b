import { ConfigError, loadConfig } from './app-config';

/** A production environment that starts: every rule below is one variable away from it. */
const SAFE = {
  NODE_ENV: 'production',
  MONGODB_URI: 'mongodb://db.example.com:27017/app',
  CORS_ORIGINS: 'https://app.example.com,https://admin.example.com',
  JWT_PRIV_KEY_B64: Buffer.from(
    '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
  ).toString('base64'),
};

function refusalsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env, { dotenv: false });
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('production refuses to start', () => {
  it('with nothing unsafe, starts', () => {
    expect(refusalsOf(SAFE)).toEqual([]);
  });

  it('without MONGODB_URI (it would serve from a throwaway embedded database)', () => {
    expect(refusalsOf({ ...SAFE, MONGODB_URI: undefined })).toEqual([
      expect.stringMatching(/^MONGODB_URI \(or DB_URI\) is required in production: .*embedded/),
    ]);
  });

  it('accepts the legacy DB_URI in place of MONGODB_URI', () => {
    expect(refusalsOf({ ...SAFE, MONGODB_URI: undefined, DB_URI: 'mongodb://db:27017' })).toEqual(
      [],
    );
  });

  it('runs the embedded database only when EMBEDDED_DATABASE_IN_PRODUCTION=true says so', () => {
    const env = { ...SAFE, MONGODB_URI: undefined, EMBEDDED_DATABASE_IN_PRODUCTION: 'true' };
    expect(refusalsOf(env)).toEqual([]);
    expect(loadConfig(env, { dotenv: false }).database.uri).toBeUndefined();
    expect(
      refusalsOf({ ...SAFE, MONGODB_URI: undefined, EMBEDDED_DATABASE_IN_PRODUCTION: 'false' }),
    ).toHaveLength(1);
  });

  it('without CORS_ORIGINS (the development default allows every localhost port)', () => {
    expect(refusalsOf({ ...SAFE, CORS_ORIGINS: undefined })).toEqual([
      expect.stringMatching(/^CORS_ORIGINS is required in production/),
    ]);
  });

  it.each([
    ['*', /^CORS_ORIGINS="\*" is refused in production/],
    ['http://localhost:*', /^CORS_ORIGINS entry "http:\/\/localhost:\*" is refused in production/],
    [
      'https://app.example.com, https://*.example.com',
      /^CORS_ORIGINS entry "https:\/\/\*\.example\.com" is refused in production/,
    ],
  ])('with CORS_ORIGINS=%p (a wildcard with credentials)', (value, refusal) => {
    expect(refusalsOf({ ...SAFE, CORS_ORIGINS: value })).toEqual([expect.stringMatching(refusal)]);
  });

  it('with the legacy CORS_REGEX instead of exact origins', () => {
    expect(
      refusalsOf({ ...SAFE, CORS_ORIGINS: undefined, CORS_REGEX: '^https://app\\.example\\.com$' }),
    ).toEqual([expect.stringMatching(/^CORS_REGEX is refused in production/)]);
  });

  it('with COOKIE_SECURE=false', () => {
    expect(refusalsOf({ ...SAFE, COOKIE_SECURE: 'false' })).toEqual([
      expect.stringMatching(/^COOKIE_SECURE=false is refused in production/),
    ]);
  });

  it('without a private key where the auth endpoint runs', () => {
    expect(refusalsOf({ ...SAFE, JWT_PRIV_KEY_B64: undefined })).toEqual([
      expect.stringMatching(/^JWT_PRIV_KEY_FILE or JWT_PRIV_KEY_B64 is required in production/),
    ]);
  });

  it('without public keys or a JWKS URL in an API-only process', () => {
    expect(refusalsOf({ ...SAFE, JWT_PRIV_KEY_B64: undefined, APP_ROLE: 'api' })).toEqual([
      expect.stringMatching(/^JWT_PUB_KEY_FILE, JWT_PUB_KEY_B64 or JWKS_URL is required/),
    ]);
  });

  it('names every refusal on a line of its own', () => {
    const refusals = refusalsOf({ NODE_ENV: 'production', COOKIE_SECURE: 'false' });
    expect(refusals.map((line) => line.split(' ')[0])).toEqual([
      'MONGODB_URI',
      'CORS_ORIGINS',
      'COOKIE_SECURE=false',
      'JWT_PRIV_KEY_FILE',
    ]);
    expect(refusals.every((line) => !line.includes('\n'))).toBe(true);
  });

  it('outside production, starts on the embedded database and the localhost origins', () => {
    const config = loadConfig({ NODE_ENV: 'development' }, { dotenv: false });
    expect(config.database.uri).toBeUndefined();
    expect(config.cors.origins.some((origin) => origin.test('http://localhost:3000'))).toBe(true);
  });
});
