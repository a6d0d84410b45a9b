import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { decode, type Jwt, type JwtPayload } from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import { ExtractJwt, Strategy, type JwtFromRequestFunction } from 'passport-jwt';
import { ROLES, type Viewer } from '../common/viewer';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AppMetrics } from '../metrics/app-metrics';
import { SUPPORTED_ALGORITHMS } from './keys/key-material';
import { KeyStore } from './keys/key-store';
import { RevokedSessions } from './sessions/revoked-sessions';

/** A token that passed every rule: who it names, and its claims (`auth_time` for /auth/refresh). */
export interface VerifiedToken {
  readonly viewer: Viewer;
  readonly payload: JwtPayload & { exp: number; auth_time?: number };
  /** The key it was verified with: a cached token is answered only while that key still verifies. */
  readonly kid?: string;
}

/** Why a token was refused: the reason picks the client's message, the detail is only logged. */
export type RefusalReason = 'missing' | 'expired' | 'invalid' | 'revoked' | 'conflict';
export class TokenRefusal extends Error {
  constructor(
    readonly reason: RefusalReason,
    detail: string,
  ) {
    super(detail);
  }
}
const invalid = (detail: string) => new TokenRefusal('invalid', detail);
const revoked = () => new TokenRefusal('revoked', 'the session was revoked');

/** Why passport refused a token, as a client acts on it (jsonwebtoken's own errors included). */
export function refusalReason(info: unknown): RefusalReason {
  if (info instanceof TokenRefusal) return info.reason;
  if ((info as Error | undefined)?.name === 'TokenExpiredError') return 'expired';
  return 'invalid';
}

/**
 * Two different values for the access cookie: one was planted for a parent
 * domain by a sibling sub-domain (cookie tossing). Which one the parser kept is
 * luck, so neither is trusted.
 */
function conflictingCookies(header: string | undefined, name: string): boolean {
  const pair = `${name}=`;
  if (!header || header.indexOf(pair) === header.lastIndexOf(pair)) return false;
  let first: string | undefined;
  for (const part of header.split(';')) {
    const trimmed = part.trim();
    if (!trimmed.startsWith(pair)) continue;
    const value = trimmed.slice(pair.length);
    if (first !== undefined && value !== first) return true;
    first = value;
  }
  return false;
}

type Request = Parameters<Strategy['authenticate']>[0];
const fromBearer = ExtractJwt.fromAuthHeaderAsBearerToken();

/** passport-jwt's Strategy: the one token check of every entry point (docs/auth.md). */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly tokenOf: JwtFromRequestFunction;
  private readonly clockTolerance: number;
  /** JWT_TTL plus the tolerance: the auth endpoint never issues a longer-lived token. */
  private readonly maxLifetime: number;
  /** Verified tokens by their exact text: a client pays for one signature check per token. */
  private readonly verified = new LRUCache<string, VerifiedToken>({ max: 10_000 });
  // passport runs each request on Object.create(this): counts live in a shared object.
  private readonly lookups = { hit: 0, miss: 0 };
  private readonly cookieName: string;

  constructor(
    private readonly keys: KeyStore,
    @Inject(APP_CONFIG) config: AppConfig,
    metrics: AppMetrics,
    private readonly revoked: RevokedSessions,
  ) {
    const { jwt, cookie } = config.auth;
    const fromCookie: JwtFromRequestFunction = (req) => req.cookies?.[cookie.name] || null;
    const tokenOf = ExtractJwt.fromExtractors([fromCookie, fromBearer]);
    super({
      jwtFromRequest: tokenOf,
      // The key named by `kid`, for its own algorithm only: never a key the token carries.
      secretOrKeyProvider: (_req, token: string, done) => {
        const header = decode(token, { complete: true })?.header;
        if (!header) return done(invalid('the header is not a JSON object'));
        if (header.kid !== undefined && typeof header.kid !== 'string')
          return done(invalid('kid is not a string'));
        keys.verificationKey(header.kid, header.alg).then((key) => {
          if (!key) return done(invalid(`unknown kid ${JSON.stringify(header.kid ?? null)}`));
          if (header.alg !== key.alg)
            return done(invalid(`alg ${header.alg} is not the key's ${key.alg}`));
          // jsonwebtoken takes the KeyObject parsed at start; the typings only list PEM text.
          done(null, key.key as unknown as string);
        }, done);
      },
      algorithms: [...SUPPORTED_ALGORITHMS],
      issuer: jwt.issuer,
      audience: jwt.audience,
      // `complete` hands validate() the header as well, for the `crit` rule.
      jsonWebTokenOptions: { complete: true, clockTolerance: jwt.clockToleranceSeconds },
      passReqToCallback: true,
    });
    this.tokenOf = tokenOf;
    this.cookieName = cookie.name;
    this.clockTolerance = jwt.clockToleranceSeconds;
    this.maxLifetime = jwt.ttlSeconds + jwt.clockToleranceSeconds;
    metrics.counterFrom(
      'auth_token_cache_lookups_total',
      'Tokens answered from the verified-token cache (hit) or checked by their signature (miss).',
      ['result'],
      () => Object.entries(this.lookups).map(([result, count]) => [{ result }, count]),
    );
  }

  /**
   * Refuses what must never reach the parser; answers a token verified before
   * from the cache, unless its session has been revoked since (from memory:
   * the revocation feed keeps RevokedSessions current, docs/auth.md).
   */
  override authenticate(req: Request, options?: object): void {
    const token = this.tokenOf(req);
    const bearer = fromBearer(req);
    if (!token) return this.fail(new TokenRefusal('missing', 'no token'), 401);
    if ((bearer && bearer !== token) || conflictingCookies(req.headers.cookie, this.cookieName))
      return this.fail(new TokenRefusal('conflict', 'two tokens'), 401);
    if (token.length > 8 * 1024) return this.fail(invalid('token larger than 8 KiB'), 401);
    const cached = this.verified.get(token);
    const fresh =
      cached && cached.payload.exp * 1000 > Date.now() && this.keys.stillVerifies(cached.kid)
        ? cached
        : undefined;
    if (cached && !fresh) this.verified.delete(token);
    this.lookups[fresh ? 'hit' : 'miss'] += 1;
    if (fresh) {
      if (this.revoked.refuses(fresh.payload)) return this.fail(revoked(), 401);
      return this.success(fresh.viewer, fresh);
    }
    super.authenticate(req, options);
  }

  /** What jsonwebtoken lets through: no `exp` or `sub`, an `iat` in the future, a lifetime past JWT_TTL, any `crit`; and a revoked session. */
  validate(
    req: Request,
    { header, payload }: Jwt,
  ): [Viewer, VerifiedToken] | [false, TokenRefusal] {
    const claims = typeof payload === 'object' ? payload : {};
    const sub = typeof claims.sub === 'string' ? claims.sub : '';
    // No JWS extension is understood here, so a critical one makes the token unusable.
    if ('crit' in header) return [false, invalid('unknown crit header')];
    if (typeof claims.exp !== 'number') return [false, invalid('exp is missing')];
    if (sub.length === 0 || sub.length > 64) return [false, invalid('sub is not a user id')];
    const now = Date.now() / 1000;
    if (typeof claims.iat === 'number' && claims.iat > now + this.clockTolerance)
      return [false, invalid('iat is in the future')];
    // A leaked key must not mint tokens that outlive JWT_TTL (without iat: counted from now).
    if (claims.exp - (typeof claims.iat === 'number' ? claims.iat : now) > this.maxLifetime)
      return [false, invalid('lifetime longer than JWT_TTL')];
    if (this.revoked.refuses(claims)) return [false, revoked()];
    const roles = ROLES.filter(
      (role) => Array.isArray(claims.roles) && claims.roles.includes(role),
    );
    const locale =
      typeof claims.locale === 'string' && claims.locale.length <= 35 ? claims.locale : 'en';
    const viewer: Viewer = { user_id: sub, locale, roles: roles.length > 0 ? roles : ['user'] };
    const verified = { viewer, payload: { ...claims, exp: claims.exp }, kid: header.kid };
    this.verified.set(this.tokenOf(req)!, verified);
    return [viewer, verified];
  }
}
