import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../src/config/app-config';
import { loadMaintenanceConfig } from '../src/maintenance/cli-database';
import { configVariablesRead } from './support/config-variables';
import { buildDistBeforeAll } from './support/dist-build';
import { runBuiltScript } from './support/service-process';

/** compose.yaml cannot be run here (no container runtime): this is what can be checked of it. */
const root = resolve(__dirname, '..');
const compose = parse(readFileSync(join(root, 'compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    {
      image?: string;
      build?: string;
      environment?: Record<string, string>;
      command?: string[];
      healthcheck?: { test?: unknown };
    }
  >;
};
const variablesRead = configVariablesRead();
const ours = Object.entries(compose.services).filter(([, service]) => service.build !== undefined);

// Starts the built service (dist/): compiled once per run, before the first test.
buildDistBeforeAll();

describe('compose.yaml', () => {
  it('runs one auth process and at least two API replicas of this service', () => {
    const roles = ours.map(([, service]) => service.environment?.APP_ROLE);
    expect(roles.filter((role) => role === 'auth')).toHaveLength(1);
    expect(roles.filter((role) => role === 'api').length).toBeGreaterThanOrEqual(2);
  });

  it.each(Object.keys(compose.services))('gives %s a health check', (name) => {
    expect(compose.services[name].healthcheck?.test).toBeDefined();
  });

  it.each(ours.map(([name]) => name))(
    'sets only variables %s reads, with values it accepts',
    (name) => {
      const environment = compose.services[name].environment ?? {};
      expect(Object.keys(environment).filter((variable) => !variablesRead.has(variable))).toEqual(
        [],
      );
      // ${VAR:?...} is filled in by compose; a key stands in for it here.
      const resolved = Object.fromEntries(
        Object.entries(environment).map(([key, value]) => [
          key,
          value.startsWith('${')
            ? Buffer.from('-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n').toString(
                'base64',
              )
            : value,
        ]),
      );
      // The migration job runs the maintenance command, which needs only the database's settings.
      const migrates = compose.services[name].command?.includes('dist/maintenance/migrate.cli.js');
      expect(() =>
        migrates
          ? loadMaintenanceConfig(resolved)
          : loadConfig({ ...resolved, COOKIE_SECURE: 'true' }, { dotenv: false }),
      ).not.toThrow();
    },
  );
});

describe('node dist/main.js in production refuses unsafe defaults', () => {
  let cwd: string;
  beforeEach(() => (cwd = mkdtempSync(join(tmpdir(), 'prod-refusal-'))));
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));
  const key = Buffer.from(
    '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
  ).toString('base64');

  it.each([
    [
      'no MONGODB_URI',
      { CORS_ORIGINS: 'https://app.example.com' },
      ['MONGODB_URI (or DB_URI) is required in production'],
    ],
    [
      'no CORS_ORIGINS',
      { MONGODB_URI: 'mongodb://127.0.0.1:9/x' },
      ['CORS_ORIGINS is required in production'],
    ],
    [
      'a wildcard origin',
      { MONGODB_URI: 'mongodb://127.0.0.1:9/x', CORS_ORIGINS: 'http://localhost:*' },
      ['CORS_ORIGINS entry "http://localhost:*" is refused in production'],
    ],
    [
      'neither',
      { APP_ROLE: 'api', JWKS_URL: 'https://auth.example.com/.well-known/jwks.json' },
      ['MONGODB_URI (or DB_URI) is required', 'CORS_ORIGINS is required'],
    ],
  ])(
    'with %s: exits 1 with one line per refusal, and starts no database',
    async (_case, env, lines) => {
      const { code, stderr } = await runBuiltScript('main.js', [], {
        cwd,
        env: { NODE_ENV: 'production', JWT_PRIV_KEY_B64: key, ...env },
      });
      expect(code).toBe(1);
      const refusals = stderr
        .split('\n')
        .filter((line) => / is (required|refused) in production/.test(line));
      expect(refusals).toHaveLength(lines.length);
      lines.forEach((line, i) => expect(refusals[i]).toContain(line));
      expect(stderr).not.toMatch(/Embedded database|\n\s+at /);
      expect(existsSync(join(cwd, '.data'))).toBe(false);
    },
  );
});
