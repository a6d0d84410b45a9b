import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configVariablesRead } from '../../test/support/config-variables';
import { ConfigError, loadConfig } from './app-config';

const load = (env: Record<string, string>) => loadConfig(env, { dotenv: false });
/** What every production process needs besides its keys (production-rules.spec.ts refuses each missing). */
const PRODUCTION = {
  NODE_ENV: 'production',
  MONGODB_URI: 'mongodb://db.example.com:27017/app',
  CORS_ORIGINS: 'https://app.example.com',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = load({});
    expect(config.http.port).toBe(8080);
    expect(config.env).toBe('development');
    expect(config.log.level).toBe('debug');
    expect(config.database.uri).toBeUndefined();
    expect(config.database.debugLog).toBe(false);
    expect(config.database.operationTimeoutMs).toBe(2000);
    expect(config.http.shutdownTimeoutMs).toBe(10_000);
    expect(config.auth.jwt.alg).toBe('ES256');
    expect(config.auth.jwt.ttlSeconds).toBe(900);
    expect(config.auth.jwt.clockToleranceSeconds).toBe(30);
    expect(config.auth.sessionMaxAgeSeconds).toBe(7 * 86400);
    expect(config.auth.cookie).toEqual({
      name: 'token',
      secure: true,
      sameSite: 'lax',
      domain: undefined,
    });
    expect(config.cors.origins.some((re) => re.test('http://localhost:3000'))).toBe(true);
    expect(config.cors.origins.some((re) => re.test('https://evil.example'))).toBe(false);
  });

  it('logs at info by default in production', () => {
    expect(load({ ...PRODUCTION, JWT_PRIV_KEY_B64: pemB64() }).log.level).toBe('info');
  });

  it('honours the legacy aliases', () => {
    const config = load({
      DB_URI: 'mongodb://db.local:27017',
      DB_NAME: 'demo',
      LOGGING_LEVEL: 'warn',
      CORS_REGEX: '^https://app\\.example\\.com$',
    });
    expect(config.database.uri).toBe('mongodb://db.local:27017/demo');
    expect(config.log.level).toBe('warn');
    expect(config.cors.origins[0].test('https://app.example.com')).toBe(true);
    expect(config.cors.origins[0].test('https://other.example.com')).toBe(false);
  });

  it('prefers MONGODB_URI over the legacy pair', () => {
    expect(
      load({ MONGODB_URI: 'mongodb://a/x', DB_URI: 'mongodb://b', DB_NAME: 'y' }).database.uri,
    ).toBe('mongodb://a/x');
  });

  it.each([
    ['false', false],
    ['0', false],
    ['off', false],
    ['true', true],
    ['1', true],
  ])('reads DB_DEBUG_LOG=%s as %s (the demo treated "false" as on)', (value, expected) => {
    expect(load({ DB_DEBUG_LOG: value }).database.debugLog).toBe(expected);
  });

  it.each([
    ['PORT', 'abc', /PORT="abc" is not valid: expected an integer from 0 to 65535/],
    ['PORT', '70000', /PORT="70000"/],
    [
      'LOG_LEVEL',
      'loud',
      /LOG_LEVEL="loud" is not valid: expected one of fatal, error, warn, info, debug, trace, silent/,
    ],
    ['JWT_ALG', 'HS256', /JWT_ALG="HS256" is not valid: expected one of ES256, RS256, PS256$/],
    ['JWT_ALG', 'EdDSA', /JWT_ALG="EdDSA" is not valid: expected one of ES256, RS256, PS256$/],
    ['JWT_TTL', 'forever', /JWT_TTL="forever" is not valid: expected a duration/],
    ['DB_DEBUG_LOG', 'maybe', /DB_DEBUG_LOG="maybe" is not valid: expected true or false/],
    ['MONGODB_URI', 'postgres://x', /MONGODB_URI is not valid/],
    [
      'MONGODB_URI',
      'mongodb://127.0.0.1:27017/user_order   (unset: embedded database)',
      /MONGODB_URI is not valid: expected a mongodb:\/\/ or mongodb\+srv:\/\/ URI without spaces/,
    ],
    ['COOKIE_SAMESITE', 'sometimes', /COOKIE_SAMESITE="sometimes"/],
    ['CORS_ORIGINS', 'not a url', /CORS_ORIGINS entry "not a url" is not valid/],
    [
      'NODE_ENV',
      'staging',
      /NODE_ENV="staging" is not valid: expected one of development, production, test/,
    ],
    [
      'JWT_PUB_KEY_FILE',
      '/nonexistent/key.pem',
      /JWT_PUB_KEY_FILE="\/nonexistent\/key.pem" is not valid: expected the path of an existing PEM file/,
    ],
  ])(
    'refuses %s=%s with a message naming the variable, the value and what is accepted',
    (name, value, message) => {
      const problems = problemsOf({ [name]: value });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(message);
    },
  );

  it('names the legacy alias when that is where the bad value came from', () => {
    expect(problemsOf({ LOGGING_LEVEL: 'chatty' })[0]).toMatch(/^LOGGING_LEVEL="chatty"/);
  });

  it('never echoes a key given in base64', () => {
    const problems = problemsOf({
      JWT_PRIV_KEY_B64: Buffer.from('secret-but-not-pem').toString('base64'),
    });
    expect(problems[0]).toMatch(/JWT_PRIV_KEY_B64 is not valid/);
    expect(problems[0]).not.toContain('secret-but-not-pem');
  });

  describe('in production', () => {
    const prod = { ...PRODUCTION, JWT_PRIV_KEY_B64: pemB64() };

    it('refuses COOKIE_SECURE=false', () => {
      expect(problemsOf({ ...prod, COOKIE_SECURE: 'false' })).toEqual([
        expect.stringMatching(/COOKIE_SECURE=false is refused in production/),
      ]);
    });

    it('refuses a CORS wildcard (credentials are always allowed)', () => {
      expect(problemsOf({ ...prod, CORS_ORIGINS: '*' })).toEqual([
        expect.stringMatching(/CORS_ORIGINS="\*" is refused in production/),
      ]);
    });

    it('refuses to run the auth endpoint without a private key', () => {
      expect(problemsOf(PRODUCTION)).toEqual([
        expect.stringMatching(/JWT_PRIV_KEY_FILE or JWT_PRIV_KEY_B64 is required/),
      ]);
    });

    it('refuses an API-only process without public keys', () => {
      expect(problemsOf({ ...PRODUCTION, APP_ROLE: 'api' })).toEqual([
        expect.stringMatching(/JWT_PUB_KEY_FILE, JWT_PUB_KEY_B64 or JWKS_URL is required/),
      ]);
    });

    it('accepts an API-only process with a JWKS URL', () => {
      expect(
        load({
          ...PRODUCTION,
          APP_ROLE: 'api',
          JWKS_URL: 'https://auth.example.com/.well-known/jwks.json',
        }).role,
      ).toBe('api');
    });
  });

  it('only warns about unsafe settings outside production', () => {
    const config = load({ COOKIE_SECURE: 'false', CORS_ORIGINS: '*' });
    expect(config.warnings).toHaveLength(2);
  });

  it('reads .env, and the real environment wins over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, '.env'), 'PORT=9001\nLOG_LEVEL=warn\n');
    const config = loadConfig({ LOG_LEVEL: 'error' }, { cwd: dir });
    expect(config.http.port).toBe(9001);
    expect(config.log.level).toBe('error');
  });
});

function pemB64(): string {
  return Buffer.from('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n').toString(
    'base64',
  );
}

describe('.env.example', () => {
  const root = join(__dirname, '..', '..');
  const example = readFileSync(join(root, '.env.example'), 'utf8');
  // Each `NAME=value` line, commented out (`# NAME=value`) or not, as it would be uncommented.
  const uncommented = Object.fromEntries(
    [...example.matchAll(/^(?:# )?([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((match) => [match[1], match[2]]),
  );

  it('loads, every line uncommented, without a problem', () => {
    expect(Object.keys(uncommented).length).toBeGreaterThan(40);
    expect(() => loadConfig(uncommented, { dotenv: false, cwd: root })).not.toThrow();
  });

  it('lists every variable the configuration reads, aliases included', () => {
    const read = [...configVariablesRead()];
    expect(read).toEqual(
      expect.arrayContaining(['CORS_REGEX', 'LOGGING_LEVEL', 'RATE_LIMIT_REDIS_URL']),
    );
    expect(read.filter((name) => !(name in uncommented))).toEqual([]);
  });

  it('lists nothing the configuration does not read', () => {
    const read = configVariablesRead();
    expect(Object.keys(uncommented).filter((name) => !read.has(name))).toEqual([]);
  });
});

describe('TRUST_PROXY', () => {
  const trust = (value: string | undefined) =>
    loadConfig({ TRUST_PROXY: value }, { dotenv: false }).http.trustProxy;

  it('is off unless configured, in production too', () => {
    expect(trust(undefined)).toBe(false);
    expect(loadConfig({}, { dotenv: false }).http.trustProxy).toBe(false);
    expect(trust('off')).toBe(false);
  });

  it('takes a hop count, or proxy addresses and CIDRs', () => {
    expect(trust('2')).toBe(2);
    expect(trust('10.0.0.0/8, 127.0.0.1,::1,loopback')).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
      '::1',
      'loopback',
    ]);
  });

  it.each(['true', '0.0.0.0/99', 'proxy.example.com', '11', '10.0.0.1,'])('refuses %p', (value) => {
    expect(() => trust(value)).toThrow(
      /TRUST_PROXY=.* is not valid: expected off, a number of proxy hops/,
    );
  });
});

describe('METRICS_PORT and RATE_LIMIT_REDIS_URL', () => {
  const production = {
    ...PRODUCTION,
    JWT_PRIV_KEY_B64: Buffer.from('-----BEGIN PRIVATE KEY-----').toString('base64'),
  };

  it('serves metrics on the application port outside production, nowhere in production', () => {
    expect(loadConfig({}, { dotenv: false }).metrics.port).toBe('same');
    expect(loadConfig(production, { dotenv: false }).metrics.port).toBe('off');
    expect(
      loadConfig({ ...production, METRICS_PORT: '9464' }, { dotenv: false }).metrics.port,
    ).toBe(9464);
  });

  it.each(['on', '70000', '-1', 'true'])('refuses METRICS_PORT=%p', (value) => {
    expect(() => loadConfig({ METRICS_PORT: value }, { dotenv: false })).toThrow(
      /METRICS_PORT=.* is not valid: expected off, same .* or a port number/,
    );
  });

  it('counts limits in memory and MongoDB unless a Redis URL is given, which is never echoed', () => {
    expect(loadConfig({}, { dotenv: false }).redis.url).toBeUndefined();
    expect(
      loadConfig({ RATE_LIMIT_REDIS_URL: 'redis://:pw@cache:6379/0' }, { dotenv: false }).redis.url,
    ).toBe('redis://:pw@cache:6379/0');
    expect(() =>
      loadConfig({ RATE_LIMIT_REDIS_URL: 'http://user:secret-pw@cache' }, { dotenv: false }),
    ).toThrow(
      /RATE_LIMIT_REDIS_URL is not valid: expected a redis:\/\/ or rediss:\/\/ URL \(value not shown/,
    );
    try {
      loadConfig({ RATE_LIMIT_REDIS_URL: 'http://user:secret-pw@cache' }, { dotenv: false });
    } catch (error) {
      expect((error as Error).message).not.toContain('secret-pw');
    }
  });
});
