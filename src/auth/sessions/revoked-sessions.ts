import type { JwtPayload } from 'jsonwebtoken';

/** One entry of the revocation feed. Times are milliseconds since the epoch, `notBefore` seconds (a token's `iat`). */
export type Revocation =
  | { readonly sid: string; readonly expiresAt: number }
  | { readonly userId: string; readonly notBefore: number; readonly expiresAt: number };

/**
 * The revoked session ids, and per user a time before which every token is refused, each kept
 * until the last access token it concerns may have expired; checked without a network call.
 */
export class RevokedSessions {
  private readonly sessions = new Map<string, number>();
  private readonly users = new Map<string, { notBefore: number; expiresAt: number }>();

  apply(revocation: Revocation, now = Date.now()): void {
    if (revocation.expiresAt <= now) return;
    if ('sid' in revocation) {
      const known = this.sessions.get(revocation.sid) ?? 0;
      this.sessions.set(revocation.sid, Math.max(known, revocation.expiresAt));
      return;
    }
    const known = this.users.get(revocation.userId);
    this.users.set(revocation.userId, {
      notBefore: Math.max(known?.notBefore ?? 0, revocation.notBefore),
      expiresAt: Math.max(known?.expiresAt ?? 0, revocation.expiresAt),
    });
  }

  /** Whether a verified token belongs to a revoked session, or was issued before its user's cut-off. */
  refuses(claims: JwtPayload): boolean {
    if (this.sessions.size === 0 && this.users.size === 0) return false;
    if (typeof claims.sid === 'string' && this.sessions.has(claims.sid)) return true;
    const user = typeof claims.sub === 'string' ? this.users.get(claims.sub) : undefined;
    return user !== undefined && typeof claims.iat === 'number' && claims.iat < user.notBefore;
  }

  /** Forgets entries whose tokens have all expired. */
  prune(now = Date.now()): void {
    for (const [sid, expiresAt] of this.sessions) if (expiresAt <= now) this.sessions.delete(sid);
    for (const [userId, entry] of this.users) if (entry.expiresAt <= now) this.users.delete(userId);
  }

  get size(): number {
    return this.sessions.size + this.users.size;
  }
}
