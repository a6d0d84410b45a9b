import { createHash, randomBytes } from 'node:crypto';

/** A session id: 128 random bits, base64url. */
export function newSessionId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * A refresh token: `<sid>.<256 random bits>`, opaque to clients (never a
 * JWT). The session id in front lets the auth endpoint find the session by
 * its `_id` (the one lookup every MongoDB-wire database answers from an index).
 */
export function newRefreshToken(sid: string): string {
  return `${sid}.${randomBytes(32).toString('base64url')}`;
}

const REFRESH_TOKEN = /^([A-Za-z0-9_-]{22})\.[A-Za-z0-9_-]{43}$/;

/** The session a presented refresh token names, or undefined when it is not one of ours. */
export function sessionIdOf(token: unknown): string | undefined {
  return typeof token === 'string' ? REFRESH_TOKEN.exec(token)?.[1] : undefined;
}

/** What is stored instead of the token: 256 random bits need no slow hash. */
export function refreshTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
