import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { decode, type Jwt, type JwtPayload } from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import { ExtractJwt, Strategy, type JwtFromRequestFunction } from 'passport-jwt';
import { ROLES, type Viewer } from '../common/viewer';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { JWT_ALGORITHMS } from '../config/environment';
import { AppMetrics } from '../metrics/app-metrics';
import { KeyStore } from './keys/key-store';
import { RevokedSessions } from './sessions/revoked-sessions';
import { TokenRefusal, type LaterRefusal } from './token-refusal';

/** A token that passed every rule: who it names, and its claims (`auth_time` for /auth/refresh). */
export interface VerifiedToken {
  readonly viewer: Viewer;
  readonly payload: JwtPayload & { exp: number; auth_time?: number };
  /** The key it was verified with: a cached token is answered only while that key still verifies. */
  readonly kid?: string;
}

type Validated = [Viewer, VerifiedToken] | [false, TokenRefusal];
type Request = Parameters<Strategy['authenticate']>[0];

const invalid = (detail: string) => new TokenRefusal('invalid', detail);
const refuse = (detail: string): Validated => [false, invalid(detail)];
const revoked = () => new TokenRefusal('revoked', 'the session was revoked');
const fromBearer = ExtractJwt.fromAuthHeaderAsBearerToken();

/** passport-jwt's Strategy: the one token check of every entry point (docs/auth.md). */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly tokenOf: JwtFromRequestFunction;
  /** Verified tokens by their exact text: a client pays for one signature check per token. */
  private readonly verified = new LRUCache<string, VerifiedToken>({ max: 10_000 });
  private readonly lookups = { hit: 0, miss: 0 }; // shared by passport's per-request copies
  /** Each request's token as authenticate() read it: passport-jwt hands validate() only the claims. */
  private readonly tokens = new WeakMap<Request, string>();

  constructor(
    private readonly keys: KeyStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: AppMetrics,
    private readonly revoked: RevokedSessions,
  ) {
    const { jwt, cookie } = config.auth;
    const tokenOf = ExtractJwt.fromExtractors([(req) => req.cookies?.[cookie.name], fromBearer]);
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
      algorithms: [...JWT_ALGORITHMS],
      issuer: jwt.issuer,
      audience: jwt.audience,
      // `complete` hands validate() the header as well, for the `crit` rule.
      jsonWebTokenOptions: { complete: true, clockTolerance: jwt.clockToleranceSeconds },
      passReqToCallback: true,
    });
    this.tokenOf = tokenOf;
    metrics.tokenCacheLookups(this.lookups);
  }

  /** Before passport-jwt: refuses no token, two different ones or an oversized one; answers a cached one. */
  override authenticate(req: Request, options?: object): void {
    const token = this.tokenOf(req);
    if (!token) return this.fail(new TokenRefusal('missing', 'no token'), 401);
    if ((fromBearer(req) || token) !== token || this.conflictingCookies(req.headers.cookie))
      return this.fail(new TokenRefusal('conflict', 'two tokens'), 401);
    if (token.length > 8 * 1024) return this.fail(invalid('token larger than 8 KiB'), 401);
    const cached = this.verified.get(token);
    const refusal =
      cached && this.refusalOf(cached, Date.now(), this.config.auth.jwt.clockToleranceSeconds);
    if (refusal === 'revoked') return this.fail(revoked(), 401);
    this.lookups[cached && !refusal ? 'hit' : 'miss'] += 1;
    if (cached && !refusal) return this.success(cached.viewer, cached);
    // Expired, or its key withdrawn: checked again from the start, to answer why.
    this.verified.delete(token);
    this.tokens.set(req, token);
    super.authenticate(req, options);
  }

  /** Two different access cookies: a sibling sub-domain planted one (cookie tossing); trust neither. */
  private conflictingCookies(header = ''): boolean {
    const pair = `${this.config.auth.cookie.name}=`;
    if (header.indexOf(pair) === header.lastIndexOf(pair)) return false;
    const values = header.split(';').map((part) => part.trim());
    return new Set(values.filter((part) => part.startsWith(pair))).size > 1;
  }

  /** Why a verified token is refused now, if it is: `exp` (plus `leeway`) as jsonwebtoken tests it. */
  refusalOf(token: VerifiedToken, now = Date.now(), leeway = 0): LaterRefusal | undefined {
    if (Math.floor(now / 1000) >= token.payload.exp + leeway) return 'expired';
    if (!this.keys.stillVerifies(token.kid)) return 'invalid'; // its key was withdrawn
    return this.revoked.refuses(token.payload) ? 'revoked' : undefined;
  }

  /** The rules jsonwebtoken does not apply, and a revoked session: [viewer, verified] or [false, why]. */
  validate(req: Request, { header, payload }: Jwt): Validated {
    const claims = typeof payload === 'object' ? payload : {};
    const { sub, exp, iat, locale, roles: claimed } = claims;
    const { clockToleranceSeconds: tolerance, ttlSeconds } = this.config.auth.jwt;
    const now = Date.now() / 1000;
    const issuedAt = typeof iat === 'number' ? iat : now;
    if ('crit' in header) return refuse('unknown crit header'); // no JWS extension is understood
    if (typeof exp !== 'number') return refuse('exp is missing');
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > 64)
      return refuse('sub is not a user id');
    if (issuedAt > now + tolerance) return refuse('iat is in the future');
    // A leaked key must not mint tokens that outlive JWT_TTL (without iat: counted from now).
    if (exp - issuedAt > ttlSeconds + tolerance) return refuse('lifetime longer than JWT_TTL');
    if (this.revoked.refuses(claims)) return [false, revoked()];
    const roles = ROLES.filter((role) => Array.isArray(claimed) && claimed.includes(role));
    const lang = typeof locale === 'string' && locale.length <= 35 ? locale : 'en';
    const viewer: Viewer = { user_id: sub, locale: lang, roles: roles.length ? roles : ['user'] };
    const verified = { viewer, payload: { ...claims, exp }, kid: header.kid };
    this.verified.set(this.tokens.get(req)!, verified);
    return [viewer, verified];
  }
}
