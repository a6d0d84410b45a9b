import { Inject, Injectable } from '@nestjs/common';
import { errors as joseErrors, jwtVerify, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { ROLES, type Role } from '../../users/user.schema';
import { KeyStore } from '../keys/key-store';
import type { Viewer } from '../viewer';
import { MAX_TOKEN_BYTES } from './token-claims';

/** Why a token was refused; logged at debug, never shown in detail to the client. */
export class InvalidTokenError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidTokenError';
  }
}

export interface VerifiedToken {
  readonly viewer: Viewer;
  readonly payload: JWTPayload & { auth_time?: number };
  /** Seconds since the epoch. */
  readonly exp: number;
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Checks a token against auth.md's rules, locally: a known key chosen by
 * `kid` (never a key carried by the token: `jwk`, `jku`, `x5u` are ignored),
 * the key's own algorithm only, `exp`/`sub`/`iss`/`aud` required, `nbf`/`exp`
 * with clock tolerance, no `iat` in the future, no unknown `crit`, and at
 * most 8 KiB, checked before anything is parsed.
 */
@Injectable()
export class TokenVerifier {
  constructor(
    private readonly keys: KeyStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async verify(token: string): Promise<VerifiedToken> {
    if (token.length > MAX_TOKEN_BYTES) throw new InvalidTokenError('token larger than 8 KiB');
    if (!COMPACT_JWS.test(token)) throw new InvalidTokenError('not a compact JWS');
    const { jwt } = this.config.auth;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, (header: JWTHeaderParameters) => this.keyFor(header), {
        algorithms: this.keys.algorithms,
        issuer: jwt.issuer,
        audience: jwt.audience,
        clockTolerance: jwt.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub', 'iss', 'aud'],
      }));
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      const reason =
        error instanceof joseErrors.JOSEError
          ? `${error.code}: ${error.message}`
          : 'malformed token';
      throw new InvalidTokenError(reason);
    }
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.iat === 'number' && payload.iat > now + jwt.clockToleranceSeconds) {
      throw new InvalidTokenError('iat is in the future');
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 64) {
      throw new InvalidTokenError('sub is not a user id');
    }
    return { viewer: viewerFrom(payload), payload, exp: payload.exp! };
  }

  private async keyFor(header: JWTHeaderParameters) {
    const key = await this.keys.verificationKey(header.kid);
    if (!key) throw new InvalidTokenError(`unknown kid ${JSON.stringify(header.kid ?? null)}`);
    // The algorithm is the key's, never the token's choice.
    if (header.alg !== key.alg)
      throw new InvalidTokenError(`alg ${header.alg} is not the key's ${key.alg}`);
    return key.key;
  }
}

function viewerFrom(payload: JWTPayload): Viewer {
  const rawRoles = Array.isArray(payload.roles) ? payload.roles : [];
  const roles = rawRoles.filter((role): role is Role =>
    (ROLES as readonly string[]).includes(role as string),
  );
  const locale =
    typeof payload.locale === 'string' && payload.locale.length <= 35 ? payload.locale : 'en';
  return { user_id: payload.sub!, locale, roles: roles.length > 0 ? roles : ['user'] };
}
