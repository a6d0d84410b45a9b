import { makeTestKeys } from './support/auth-helpers';
import { startTestApp, type TestApp } from './support/test-app';

/** Failed sign-ins from "different clients", as X-Forwarded-For claims them. */
async function failedLogins(app: TestApp, forwardedFor: string[]): Promise<number[]> {
  const statuses: number[] = [];
  for (const [i, address] of forwardedFor.entries()) {
    const response = await app.request('/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
      body: JSON.stringify({ username: `nobody-${i}`, password: 'wrong-password' }),
    });
    statuses.push(response.status);
  }
  return statuses;
}

const SPOOFED = ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4'];

describe('TRUST_PROXY', () => {
  it('off (the default): a forwarded address from the peer changes nothing', async () => {
    const keys = await makeTestKeys();
    const app = await startTestApp({
      captureLogs: true,
      env: { ...keys.env, LOGIN_RATE_LIMIT_PER_ADDRESS: '3' },
    });
    try {
      // Four "clients" that are one peer: the per-address limit (3) still applies to it.
      expect(await failedLogins(app, SPOOFED)).toEqual([401, 401, 401, 429]);
      const lines = app.logs.map((line) => JSON.parse(line) as { req?: Record<string, unknown> });
      expect(lines.filter((line) => line.req?.clientAddress !== undefined)).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('behind a trusted proxy: the client address is the forwarded one', async () => {
    const keys = await makeTestKeys();
    const app = await startTestApp({
      captureLogs: true,
      env: { ...keys.env, LOGIN_RATE_LIMIT_PER_ADDRESS: '3', TRUST_PROXY: '127.0.0.1' },
    });
    try {
      // Each forwarded client has its own count: none reaches the limit.
      expect(await failedLogins(app, SPOOFED)).toEqual([401, 401, 401, 401]);
      // One client, four times: its own limit applies.
      expect(await failedLogins(app, Array(4).fill('198.51.100.7'))).toEqual([401, 401, 401, 429]);
      const addresses = app.logs
        .map((line) => JSON.parse(line) as { req?: { clientAddress?: string; path?: string } })
        .filter((line) => line.req?.path === '/auth/login')
        .map((line) => line.req?.clientAddress);
      expect(addresses).toEqual(expect.arrayContaining([...SPOOFED, '198.51.100.7']));
    } finally {
      await app.close();
    }
  });
});
