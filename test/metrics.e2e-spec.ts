import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { MetricsServer } from '../src/metrics/metrics-endpoint';
import { graphql, makeTestKeys, signToken, type TestKeys } from './support/auth-helpers';
import { startTestApp, type TestApp } from './support/test-app';

/** The value of one sample line, e.g. `name{label="x"}`; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function scrape(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

describe('GET /metrics', () => {
  let keys: TestKeys;
  beforeAll(async () => {
    keys = await makeTestKeys();
  });

  describe('on the application port (METRICS_PORT=same, the default outside production)', () => {
    let app: TestApp;
    let text: string;

    beforeAll(async () => {
      app = await startTestApp({ env: { ...keys.env, LOGIN_RATE_LIMIT_PER_ADDRESS: '2' } });
      const token = await signToken(keys);
      for (let i = 0; i < 3; i += 1) await graphql(app, 'query Ping { __typename }', { token });
      for (let i = 0; i < 2; i += 1) await graphql(app, '{ __typename }', { token });
      await graphql(app, 'mutation { __typename }', { token });
      // Refused before any operation: no token.
      await graphql(app, 'query Ping { __typename }');
      // A validation error, after the operation was chosen.
      await graphql(app, 'query Broken { nope }', { token });
      // Names past the first 100 are grouped, so a client cannot grow the label set.
      for (let i = 0; i < 103; i += 1)
        await graphql(app, `query Generated${i} { __typename }`, { token });
      // Two sign-in attempts from this address are allowed, the third is refused.
      for (let i = 0; i < 3; i += 1)
        await app.request('/auth/login', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'nobody', password: 'wrong-password' }),
        });
      text = await scrape(app.url);
    });
    afterAll(() => app.close());

    it('counts GraphQL requests by operation name and type, unnamed and refused ones grouped', () => {
      const count = (name: string, type: string) =>
        sample(
          text,
          `graphql_request_duration_seconds_count{operation_name="${name}",operation_type="${type}"}`,
        );
      expect(count('Ping', 'query')).toBe(3);
      expect(count('(unnamed)', 'query')).toBe(2);
      expect(count('(unnamed)', 'mutation')).toBe(1);
      expect(count('(none)', '(none)')).toBe(2);
      // Generated0..Generated96 have labels of their own (100 names with Ping, Broken's none,
      // and the unnamed ones); the rest are "(other)".
      const named = text
        .split('\n')
        .filter((line) => line.startsWith('graphql_request_duration_seconds_count{'))
        .map((line) => /operation_name="([^"]*)"/.exec(line)![1]);
      expect(named.filter((name) => name.startsWith('Generated')).length).toBeLessThanOrEqual(100);
      expect(count('(other)', 'query')).toBeGreaterThan(0);
      const generated =
        named
          .filter((name) => name.startsWith('Generated'))
          .reduce((sum, name) => sum + (count(name, 'query') ?? 0), 0) +
        (count('(other)', 'query') ?? 0);
      expect(generated).toBe(103);
    });

    it('has a latency histogram with buckets for each operation', () => {
      expect(
        sample(
          text,
          'graphql_request_duration_seconds_bucket{le="+Inf",operation_name="Ping",operation_type="query"}',
        ),
      ).toBe(3);
      expect(
        sample(
          text,
          'graphql_request_duration_seconds_sum{operation_name="Ping",operation_type="query"}',
        ),
      ).toBeGreaterThan(0);
    });

    it('counts errors by code, HTTP responses by route and status', () => {
      expect(sample(text, 'graphql_errors_total{code="UNAUTHENTICATED"}')).toBe(1);
      expect(sample(text, 'graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"}')).toBe(1);
      expect(
        sample(text, 'http_request_duration_seconds_count{route="/graphql",status="401"}'),
      ).toBe(1);
      expect(
        sample(text, 'http_request_duration_seconds_count{route="/auth/login",status="401"}'),
      ).toBe(2);
      expect(
        sample(text, 'http_request_duration_seconds_count{route="/auth/login",status="429"}'),
      ).toBe(1);
    });

    it('counts token-cache hits and misses and rate-limit refusals', () => {
      // One token, signed once: one signature check, every other authenticated request a hit.
      expect(sample(text, 'auth_token_cache_lookups_total{result="miss"}')).toBe(1);
      expect(sample(text, 'auth_token_cache_lookups_total{result="hit"}')).toBe(
        3 + 2 + 1 + 1 + 103 - 1,
      );
      expect(sample(text, 'rate_limit_refusals_total{limit="login_address"}')).toBe(1);
    });

    it('has a zero series for every limit and server error code before the first one (alerts take their rate)', () => {
      for (const limit of [
        'login_username',
        'login_address',
        'signup_address',
        'graphql_viewer',
        'graphql_address',
      ])
        expect(sample(text, `rate_limit_store_errors_total{limit="${limit}"}`)).toBe(0);
      expect(sample(text, 'rate_limit_refusals_total{limit="login_username"}')).toBe(0);
      expect(sample(text, 'graphql_errors_total{code="INTERNAL_SERVER_ERROR"}')).toBe(0);
      expect(sample(text, 'graphql_errors_total{code="SERVICE_UNAVAILABLE"}')).toBe(0);
    });

    it('exports every metric the alerts of ops/prometheus/alerts.yml read', () => {
      const rules = parse(
        readFileSync(join(__dirname, '..', 'ops', 'prometheus', 'alerts.yml'), 'utf8'),
      ) as { groups: { rules: { alert: string; expr: string }[] }[] };
      const metrics = new Set(
        rules.groups
          .flatMap((group) => group.rules)
          .flatMap(
            (rule) =>
              rule.expr.replace(/"[^"]*"/g, '').match(/\b[a-z][a-z0-9]*_[a-z0-9_]+\b/g) ?? [],
          )
          .filter((name) => name !== 'histogram_quantile')
          .map((name) => name.replace(/_(count|bucket|sum)$/, '')),
      );
      expect(metrics.size).toBeGreaterThanOrEqual(9);
      expect([...metrics].filter((name) => !text.includes(`# TYPE ${name} `))).toEqual([]);
    });

    it('reports database commands, the connection pool, event-loop lag and memory', () => {
      // The sign-in attempts counted in MongoDB (findAndModify) and looked up credentials (find).
      expect(
        sample(
          text,
          'mongodb_command_duration_seconds_count{command="findAndModify",outcome="ok"}',
        ),
      ).toBeGreaterThanOrEqual(3);
      expect(
        sample(text, 'mongodb_command_duration_seconds_count{command="find",outcome="ok"}'),
      ).toBeGreaterThan(0);
      expect(sample(text, 'mongodb_pool_connections{state="open"}')).toBeGreaterThan(0);
      expect(sample(text, 'mongodb_pool_connections{state="in_use"}')).toBeGreaterThanOrEqual(0);
      expect(sample(text, 'mongodb_pool_max_connections')).toBe(50);
      expect(sample(text, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
      expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    });
  });

  it('on a port of its own (METRICS_PORT=<port>): not on the application port', async () => {
    const app = await startTestApp({ env: { ...keys.env, METRICS_PORT: '0' } });
    try {
      expect((await app.request('/metrics')).status).toBe(404);
      const port = app.app.get(MetricsServer).port();
      expect(port).toBeGreaterThan(0);
      const text = await scrape(`http://127.0.0.1:${port}`);
      expect(text).toContain('# TYPE http_request_duration_seconds histogram');
      // The failed request just made on the application port was recorded.
      expect(
        sample(text, 'http_request_duration_seconds_count{route="(unmatched)",status="404"}'),
      ).toBe(1);
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('off (METRICS_PORT=off, the default in production): no /metrics at all', async () => {
    const app = await startTestApp({ env: { ...keys.env, METRICS_PORT: 'off' } });
    try {
      expect((await app.request('/metrics')).status).toBe(404);
    } finally {
      await app.close();
    }
  });
});
