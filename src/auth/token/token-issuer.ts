import { Inject, Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import type { Role } from '../../common/viewer';
import { KeyStore } from '../keys/key-store';

export interface IssuedToken {
  readonly token: string;
  readonly expiresAt: Date;
  /** Seconds until expiry: the cookie's Max-Age. */
  readonly maxAge: number;
}

export interface TokenSubject {
  readonly userId: string;
  readonly locale: string;
  readonly roles: readonly Role[];
  /** Seconds; the time of the password login (kept across refreshes). */
  readonly authTime: number;
  /** The session the token belongs to (sessions/). */
  readonly sid: string;
}

/** Signs tokens with the newest private key. Only the auth endpoint has one. */
@Injectable()
export class TokenIssuer {
  constructor(
    private readonly keys: KeyStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async issue(subject: TokenSubject, now = Math.floor(Date.now() / 1000)): Promise<IssuedToken> {
    const { jwt, sessionMaxAgeSeconds } = this.config.auth;
    const key = this.keys.signingKey();
    // A token never outlives its session.
    const exp = Math.min(now + jwt.ttlSeconds, subject.authTime + sessionMaxAgeSeconds);
    const token = await new SignJWT({
      user_id: subject.userId,
      locale: subject.locale,
      roles: [...subject.roles],
      auth_time: subject.authTime,
      sid: subject.sid,
    })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setIssuer(jwt.issuer)
      .setAudience(jwt.audience)
      .setSubject(subject.userId)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(key.privateKey);
    return { token, expiresAt: new Date(exp * 1000), maxAge: Math.max(0, exp - now) };
  }
}
