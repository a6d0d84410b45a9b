import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimit, type RateLimitReporter } from './rate-limit';

function reporter() {
  const calls = { refused: [] as string[], storeFailed: [] as string[] };
  const report: RateLimitReporter = {
    refused: (limit) => calls.refused.push(limit),
    storeFailed: (limit, whenStoreFails) => calls.storeFailed.push(`${limit}:${whenStoreFails}`),
  };
  return { calls, report };
}

/** A limiter whose store is down: every call fails the way a driver's would. */
const brokenStore = {
  points: 5,
  consume: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
  get: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
} as unknown as RateLimiterAbstract;

describe('RateLimit', () => {
  it('allows `points` hits per key and window, refuses the next with the time left', async () => {
    const { calls, report } = reporter();
    const limit = new RateLimit(
      'login_username',
      new RateLimiterMemory({ points: 5, duration: 60 }),
      'refuse',
      report,
    );
    const decisions = [];
    for (let i = 0; i < 6; i += 1) decisions.push(await limit.hit('alice'));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false]);
    expect(decisions[5].retryAfterSeconds).toBeGreaterThan(50);
    expect(decisions[5].retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(decisions[5].storeUnavailable).toBeUndefined();
    expect(calls.refused).toEqual(['login_username']);
    // Another key has a count of its own.
    expect((await limit.hit('bob')).allowed).toBe(true);
  });

  it('check() tells whether one more would pass without counting it', async () => {
    const { report } = reporter();
    const limit = new RateLimit(
      'login_username',
      new RateLimiterMemory({ points: 2, duration: 60 }),
      'refuse',
      report,
    );
    for (let i = 0; i < 5; i += 1) expect((await limit.check('carol')).allowed).toBe(true);
    await limit.hit('carol');
    expect((await limit.check('carol')).allowed).toBe(true);
    await limit.hit('carol');
    expect((await limit.check('carol')).allowed).toBe(false);
  });

  it('lets requests through while its store is down when it fails open', async () => {
    const { calls, report } = reporter();
    const limit = new RateLimit('graphql_viewer', brokenStore, 'allow', report);
    expect(await limit.hit('viewer')).toEqual({ allowed: true, retryAfterSeconds: 1 });
    expect((await limit.check('viewer')).allowed).toBe(true);
    expect(calls.storeFailed).toEqual(['graphql_viewer:allow', 'graphql_viewer:allow']);
  });

  it('refuses, saying the store is unavailable, while its store is down when it fails closed', async () => {
    const { calls, report } = reporter();
    const limit = new RateLimit('login_address', brokenStore, 'refuse', report);
    expect(await limit.hit('203.0.113.9')).toEqual({
      allowed: false,
      retryAfterSeconds: 5,
      storeUnavailable: true,
    });
    expect(calls.refused).toEqual([]);
    expect(calls.storeFailed).toEqual(['login_address:refuse']);
  });
});
