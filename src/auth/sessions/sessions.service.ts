import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { newRefreshToken, newSessionId, refreshTokenHash, sessionIdOf } from './refresh-token';
import { RevocationFeed } from './revocation-feed';
import type { Revocation } from './revoked-sessions';
import { SessionsRepository, type Session } from './sessions.repository';
import { summarizeUserAgent } from './user-agent';
import type { RefusalReason } from '../token-refusal';

/** A refresh token handed to a client: the value, and how long its session has left. */
export interface IssuedRefreshToken {
  readonly token: string;
  /** Seconds until the session's end: the refresh cookie's Max-Age. */
  readonly maxAge: number;
}

export type Rotation =
  | { readonly kind: 'ok'; readonly session: Session; readonly refresh: IssuedRefreshToken }
  | { readonly kind: 'refused'; readonly reason: Exclude<RefusalReason, 'conflict'> };

/** What the viewer's session list shows of each session. */
export interface SessionSummary {
  readonly id: string;
  readonly created_at: string;
  readonly last_used_at: string;
  readonly user_agent: string;
  readonly current: boolean;
}

/**
 * Sessions (docs/auth.md): started at sign-in, kept alive by rotating refresh tokens with reuse
 * detection, revoked through the revocation feed every API process follows.
 */
@Injectable()
export class SessionsService {
  private readonly logger = new Logger('Sessions');

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly feed: RevocationFeed,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async start(
    userId: string,
    userAgent: string | undefined,
    authTime: number,
  ): Promise<{ sid: string; refresh: IssuedRefreshToken }> {
    const sid = newSessionId();
    const refresh = newRefreshToken(sid);
    const now = new Date();
    const expiresAt = new Date((authTime + this.config.auth.sessionMaxAgeSeconds) * 1000);
    await this.sessions.create({
      _id: sid,
      user_id: userId,
      created_at: now,
      last_used_at: now,
      user_agent: summarizeUserAgent(userAgent),
      auth_time: authTime,
      expires_at: expiresAt,
      refresh_hash: refreshTokenHash(refresh),
    });
    return { sid, refresh: { token: refresh, maxAge: secondsUntil(expiresAt, now) } };
  }

  /**
   * Replaces a live refresh token by a new one. A token this session replaced
   * before coming back means two parties hold the session's tokens: the whole
   * session is revoked (reuse detection, OAuth 2.0 Security BCP).
   */
  async rotate(token: unknown): Promise<Rotation> {
    if (token === undefined || token === '') return refused('missing');
    const sid = sessionIdOf(token);
    const session = sid ? await this.sessions.findById(sid) : undefined;
    if (!session) return refused('invalid');
    if (session.revoked_at) return refused('revoked');
    const now = new Date();
    if (session.expires_at <= now) return refused('expired');
    const hash = refreshTokenHash(token as string);
    if (hash === session.refresh_hash) {
      const next = newRefreshToken(session._id);
      if (await this.sessions.rotate(session, refreshTokenHash(next), now))
        return {
          kind: 'ok',
          session,
          refresh: { token: next, maxAge: secondsUntil(session.expires_at, now) },
        };
      // Another request rotated the same token first: this one is a second use of it.
    } else if (!session.family.includes(hash)) {
      return refused('invalid');
    }
    this.logger.warn(
      `Refresh token reused: session ${session._id} of user ${session.user_id} revoked`,
    );
    await this.revoke(session._id);
    return refused('revoked');
  }

  /** The session and user a refresh token (current or replaced) belongs to, for signing out. */
  async ownerOf(token: unknown): Promise<{ sid: string; userId: string } | undefined> {
    const sid = sessionIdOf(token);
    const session = sid ? await this.sessions.findById(sid) : undefined;
    if (!session) return undefined;
    const hash = refreshTokenHash(token as string);
    if (hash !== session.refresh_hash && !session.family.includes(hash)) return undefined;
    return { sid: session._id, userId: session.user_id };
  }

  /** The live session `sid`, or undefined (unknown, revoked or over). */
  async live(sid: string): Promise<Session | undefined> {
    const session = await this.sessions.findById(sid);
    return session && !session.revoked_at && session.expires_at > new Date() ? session : undefined;
  }

  /** Revokes one session everywhere; false when it was not live. */
  async revoke(sid: string): Promise<boolean> {
    if (!(await this.sessions.revoke(sid, new Date()))) return false;
    await this.feed.publish([{ sid, expiresAt: this.revocationEnd() }]);
    this.logger.log(`Session ${sid} revoked`);
    return true;
  }

  /**
   * Revokes every live session of a user except `keep`. `cutOff` also refuses
   * every token of the user issued before now, with or without a session
   * (sign-out everywhere, a disabled account).
   */
  async revokeAll(
    userId: string,
    options: { keep?: string; cutOff?: boolean } = {},
  ): Promise<number> {
    const now = new Date();
    const expiresAt = this.revocationEnd();
    const revocations: Revocation[] = [];
    for (const session of await this.sessions.findLive(userId, now)) {
      if (session._id === options.keep) continue;
      if (await this.sessions.revoke(session._id, now))
        revocations.push({ sid: session._id, expiresAt });
    }
    const count = revocations.length;
    if (options.cutOff)
      revocations.push({ userId, notBefore: Math.floor(now.getTime() / 1000), expiresAt });
    await this.feed.publish(revocations);
    this.logger.log(
      `${count} session(s) of user ${userId} revoked${options.cutOff ? ', with every older token' : ''}`,
    );
    return count;
  }

  /** The user's live sessions, `current` marking the one the request came with. */
  async list(userId: string, currentSid: string | undefined): Promise<SessionSummary[]> {
    return (await this.sessions.findLive(userId, new Date())).map((session) => ({
      id: session._id,
      created_at: session.created_at.toISOString(),
      last_used_at: session.last_used_at.toISOString(),
      user_agent: session.user_agent,
      current: session._id === currentSid,
    }));
  }

  /** A revocation matters while an access token issued before it may still be valid. */
  private revocationEnd(): number {
    const { ttlSeconds, clockToleranceSeconds } = this.config.auth.jwt;
    return Date.now() + (ttlSeconds + clockToleranceSeconds) * 1000;
  }
}

function refused(reason: Exclude<RefusalReason, 'conflict'>): Rotation {
  return { kind: 'refused', reason };
}

function secondsUntil(end: Date, now: Date): number {
  return Math.max(0, Math.floor((end.getTime() - now.getTime()) / 1000));
}
