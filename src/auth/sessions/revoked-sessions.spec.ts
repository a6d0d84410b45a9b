import { RevokedSessions } from './revoked-sessions';

describe('RevokedSessions', () => {
  const now = 1_000_000_000_000;
  const inAMinute = now + 60_000;

  it('refuses tokens of a revoked session until the entry expires', () => {
    const revoked = new RevokedSessions();
    expect(revoked.refuses({ sid: 'a', sub: 'u', iat: 1 })).toBe(false);
    revoked.apply({ sid: 'a', expiresAt: inAMinute }, now);
    expect(revoked.refuses({ sid: 'a', sub: 'u', iat: 1 })).toBe(true);
    expect(revoked.refuses({ sid: 'b', sub: 'u', iat: 1 })).toBe(false);
    revoked.prune(inAMinute);
    expect(revoked.refuses({ sid: 'a', sub: 'u', iat: 1 })).toBe(false);
    expect(revoked.size).toBe(0);
  });

  it("refuses a user's tokens issued before the cut-off, with or without a sid", () => {
    const revoked = new RevokedSessions();
    revoked.apply({ userId: 'u', notBefore: 500, expiresAt: inAMinute }, now);
    expect(revoked.refuses({ sub: 'u', iat: 499 })).toBe(true);
    expect(revoked.refuses({ sid: 'x', sub: 'u', iat: 499 })).toBe(true);
    expect(revoked.refuses({ sub: 'u', iat: 500 })).toBe(false);
    expect(revoked.refuses({ sub: 'other', iat: 1 })).toBe(false);
    expect(revoked.refuses({ sub: 'u' })).toBe(false);
  });

  it('keeps the later of two entries, and ignores one that has expired already', () => {
    const revoked = new RevokedSessions();
    revoked.apply({ sid: 'a', expiresAt: now - 1 }, now);
    expect(revoked.size).toBe(0);
    revoked.apply({ sid: 'a', expiresAt: inAMinute }, now);
    revoked.apply({ sid: 'a', expiresAt: now + 1000 }, now);
    revoked.prune(now + 2000);
    expect(revoked.refuses({ sid: 'a' })).toBe(true);
    revoked.apply({ userId: 'u', notBefore: 600, expiresAt: inAMinute }, now);
    revoked.apply({ userId: 'u', notBefore: 500, expiresAt: now + 1000 }, now);
    revoked.prune(now + 2000);
    expect(revoked.refuses({ sub: 'u', iat: 550 })).toBe(true);
  });
});
