import type { Jwt, JwtPayload } from 'jsonwebtoken';
import { ROLES, type Role, type Viewer } from '../../common/viewer';

export const MAX_TOKEN_BYTES = 8 * 1024;

/** A token that passed every rule: who it names, its claims, and when it stops being valid. */
export interface VerifiedToken {
  readonly viewer: Viewer;
  readonly payload: JwtPayload & { auth_time?: number };
  /** Seconds since the epoch. */
  readonly exp: number;
}

/** Why a token was refused; logged at debug, never shown in detail to the client. */
export class TokenRefusal extends Error {
  constructor(
    readonly reason: 'missing' | 'conflict' | 'invalid',
    detail: string,
  ) {
    super(detail);
    this.name = 'TokenRefusal';
  }
}

export const invalidToken = (detail: string) => new TokenRefusal('invalid', detail);

/** The JOSE header, read before verification to choose the key by `kid` (nothing in it is trusted). */
export function unverifiedHeader(token: string): { alg?: unknown; kid?: unknown } {
  const encoded = token.slice(0, token.indexOf('.'));
  try {
    const header: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    if (header && typeof header === 'object' && !Array.isArray(header)) return header;
  } catch {
    // fall through: not a JOSE header
  }
  throw invalidToken('the header is not a JSON object');
}

/**
 * The rules of docs/auth.md that jsonwebtoken does not enforce: it accepts a
 * token without `exp` or `sub`, with an `iat` in the future, and with a
 * `crit` header it does not understand. Returns the refusal, or undefined.
 */
export function claimsRefusal(
  decoded: Jwt,
  clockToleranceSeconds: number,
  now = Math.floor(Date.now() / 1000),
): TokenRefusal | undefined {
  // No extension is understood here, so any critical one makes the token unusable (RFC 7515 §4.1.11).
  if ((decoded.header as { crit?: unknown }).crit !== undefined)
    return invalidToken('unknown crit header');
  const payload = decoded.payload;
  if (typeof payload !== 'object' || payload === null) return invalidToken('payload not an object');
  if (typeof payload.exp !== 'number') return invalidToken('exp is missing');
  if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 64)
    return invalidToken('sub is not a user id');
  if (typeof payload.iat === 'number' && payload.iat > now + clockToleranceSeconds)
    return invalidToken('iat is in the future');
  return undefined;
}

/** The viewer a verified payload names; unknown roles are dropped, and no role means `user`. */
export function viewerFrom(payload: JwtPayload): Viewer {
  const rawRoles: unknown[] = Array.isArray(payload.roles) ? payload.roles : [];
  const roles = rawRoles.filter((role): role is Role =>
    (ROLES as readonly unknown[]).includes(role),
  );
  const locale =
    typeof payload.locale === 'string' && payload.locale.length <= 35 ? payload.locale : 'en';
  return { user_id: payload.sub!, locale, roles: roles.length > 0 ? roles : ['user'] };
}
