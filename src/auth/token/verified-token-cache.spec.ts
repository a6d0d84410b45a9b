import { VerifiedTokenCache } from './verified-token-cache';
import type { VerifiedToken } from './token-rules';

function verified(expiresInSeconds: number): VerifiedToken {
  const exp = Math.floor(Date.now() / 1000) + expiresInSeconds;
  return {
    viewer: { user_id: 'User00000001', locale: 'en', roles: ['user'] },
    payload: { sub: 'User00000001', exp },
    exp,
  };
}

describe('VerifiedTokenCache', () => {
  afterEach(() => jest.useRealTimers());

  it('answers a verified token until its exp, then forgets it', () => {
    jest.useFakeTimers({ now: Date.now() });
    const cache = new VerifiedTokenCache();
    const entry = verified(60);
    cache.set('token-a', entry);
    expect(cache.get('token-a')).toBe(entry);
    expect(cache.get('token-b')).toBeUndefined();
    jest.setSystemTime(entry.exp * 1000);
    expect(cache.get('token-a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('does not keep a token that has already expired', () => {
    const cache = new VerifiedTokenCache();
    cache.set('old', verified(-1));
    expect(cache.get('old')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps nothing when turned off (AUTH_TOKEN_CACHE=false)', () => {
    const cache = new VerifiedTokenCache(false);
    cache.set('token-a', verified(60));
    expect(cache.get('token-a')).toBeUndefined();
  });
});
