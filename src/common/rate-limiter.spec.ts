import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('allows the limit within a window, refuses the next with the seconds left', () => {
    const limiter = new RateLimiter(2, 60_000);
    const start = 1_000_000;
    expect(limiter.hit('a', start).allowed).toBe(true);
    expect(limiter.hit('a', start + 1).allowed).toBe(true);
    const refused = limiter.hit('a', start + 30_000);
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 30 });
    expect(limiter.hit('b', start + 30_000).allowed).toBe(true);
  });

  it('starts a new window once the old one has run out', () => {
    const limiter = new RateLimiter(1, 60_000);
    expect(limiter.hit('a', 0).allowed).toBe(true);
    expect(limiter.hit('a', 59_999).allowed).toBe(false);
    expect(limiter.hit('a', 60_000).allowed).toBe(true);
  });

  it('checks without counting', () => {
    const limiter = new RateLimiter(1, 60_000);
    expect(limiter.check('a', 0).allowed).toBe(true);
    expect(limiter.check('a', 0).allowed).toBe(true);
    limiter.hit('a', 0);
    expect(limiter.check('a', 1).allowed).toBe(false);
  });
});
