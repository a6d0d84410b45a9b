import { makeTestKeys, signToken } from './support/auth-helpers';
import { startTestApp } from './support/test-app';

/**
 * BENCH_FEATURES_OFF (benchmarks only): each switch must really take its
 * feature away, or `npm run bench:breakdown` would report savings of work
 * that still runs.
 */
describe('BENCH_FEATURES_OFF', () => {
  const ask = async (env: Record<string, string>) => {
    const keys = await makeTestKeys();
    const app = await startTestApp({ env: { ...keys.env, ...env }, captureLogs: true });
    try {
      const token = await signToken(keys);
      const response = await app.request('/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          origin: 'http://localhost:3000',
          authorization: `Bearer ${token}`,
        },
        body: JSON.stringify({ query: 'query Probe { __typename }' }),
      });
      expect(response.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const requestLines = app.logs.filter((line) => line.includes('"msg":"POST /graphql 200'));
      return {
        headers: response.headers,
        requestLines,
        warnings: app.logs.filter((l) => l.includes('BENCH_FEATURES_OFF')),
      };
    } finally {
      await app.close();
    }
  };

  it('leaves everything on by default', async () => {
    const { headers, requestLines, warnings } = await ask({});
    expect(headers.get('x-request-id')).toBeTruthy();
    expect(headers.get('content-security-policy')).toBeTruthy();
    expect(headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toContain('"operationName":"Probe"');
    expect(warnings).toEqual([]);
  });

  it('takes each switched-off feature away, and says so at start', async () => {
    const { headers, requestLines, warnings } = await ask({
      BENCH_FEATURES_OFF: 'request-id-header,security-headers,cors,request-log',
    });
    expect(headers.get('x-request-id')).toBeNull();
    expect(headers.get('content-security-policy')).toBeNull();
    expect(headers.get('access-control-allow-origin')).toBeNull();
    expect(requestLines).toEqual([]);
    expect(warnings.join()).toMatch(/switched off \(benchmarks only; never in service\)/);
  });

  it('request-plugin off: the request line no longer knows the operation', async () => {
    const { requestLines } = await ask({ BENCH_FEATURES_OFF: 'request-plugin' });
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).not.toContain('"operationName"');
  });
});
