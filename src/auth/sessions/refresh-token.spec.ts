import { newRefreshToken, newSessionId, refreshTokenHash, sessionIdOf } from './refresh-token';
import { summarizeUserAgent } from './user-agent';

describe('refresh tokens', () => {
  it('name their session and nothing else, and are found again by it', () => {
    const sid = newSessionId();
    const token = newRefreshToken(sid);
    expect(sessionIdOf(token)).toBe(sid);
    expect(newRefreshToken(sid)).not.toBe(token);
    expect(refreshTokenHash(token)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(refreshTokenHash(token)).not.toContain(token.split('.')[1]);
  });

  it.each([
    undefined,
    42,
    '',
    'abc',
    'a.b.c',
    `${'A'.repeat(22)}.short`,
    `${'A'.repeat(22)}.${'$'.repeat(43)}`,
  ])('refuses %p as a refresh token', (value) => expect(sessionIdOf(value)).toBeUndefined());
});

describe('summarizeUserAgent', () => {
  it.each([
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
      'Chrome on Linux',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
      'Firefox on Windows',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1',
      'Safari on iOS',
    ],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0',
      'Edge on macOS',
    ],
    ['curl/8.5.0', 'curl'],
    [undefined, 'unknown'],
    ['SomethingElse/1.0', 'other'],
  ])('%s → %s', (header, summary) => expect(summarizeUserAgent(header)).toBe(summary));
});
