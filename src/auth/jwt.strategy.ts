import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Jwt } from 'jsonwebtoken';
import type { KeyObject } from 'node:crypto';
import { Strategy, type SecretOrKeyProvider } from 'passport-jwt';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import type { Viewer } from '../common/viewer';
import { KeyStore } from './keys/key-store';
import { SUPPORTED_ALGORITHMS } from './keys/key-material';
import { jwtFromRequest, tokenExtractor, type TokenCarrier } from './token/token-extractor';
import {
  claimsRefusal,
  invalidToken,
  MAX_TOKEN_BYTES,
  TokenRefusal,
  unverifiedHeader,
  viewerFrom,
  type VerifiedToken,
} from './token/token-rules';
import { VerifiedTokenCache } from './token/verified-token-cache';
import { VerifyThread, type ThreadVerdict, type VerifyOptions } from './token/verify-thread';
import { AppMetrics } from '../metrics/app-metrics';

/** What passport hands AuthGuard: the viewer as `req.user`, the verified token as `req.authInfo`. */
type StrategyResult = [Viewer, VerifiedToken] | [false, TokenRefusal];

/** What jsonwebtoken checks, the same on the event loop and on the verify thread. */
export function verifyOptions(jwt: AppConfig['auth']['jwt']): VerifyOptions {
  return {
    // Every algorithm any key may have; keyProvider then pins each key to its own.
    algorithms: [...SUPPORTED_ALGORITHMS],
    issuer: jwt.issuer,
    audience: jwt.audience,
    // `complete` hands validate() the header too, for the `crit` rule.
    jsonWebTokenOptions: { complete: true, clockTolerance: jwt.clockToleranceSeconds },
  };
}

/**
 * The one token check of every entry point (GraphQL, HTTP routes, browser
 * navigations): passport-jwt's Strategy, verifying with jsonwebtoken and the
 * KeyObject that the token's `kid` names. In front of it, the verified-token
 * cache; behind it, the rules of docs/auth.md jsonwebtoken does not enforce.
 * When many tokens miss the cache, jsonwebtoken's verify runs on a second
 * core (VerifyThread), inside passport-jwt's Strategy there too.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly extract: (req: TokenCarrier) => ReturnType<ReturnType<typeof tokenExtractor>>;
  private readonly cache: VerifiedTokenCache;
  private readonly clockToleranceSeconds: number;
  private readonly keyFor: SecretOrKeyProvider;

  constructor(
    keys: KeyStore,
    @Inject(APP_CONFIG) config: AppConfig,
    metrics: AppMetrics,
    private readonly thread: VerifyThread,
  ) {
    const { jwt, cookie } = config.auth;
    const keyFor = keyProvider(keys);
    super({
      ...verifyOptions(jwt),
      jwtFromRequest: jwtFromRequest(cookie.name),
      secretOrKeyProvider: keyFor,
      passReqToCallback: true,
    });
    this.keyFor = keyFor;
    this.extract = tokenExtractor(cookie.name);
    this.cache = new VerifiedTokenCache();
    this.clockToleranceSeconds = jwt.clockToleranceSeconds;
    const cache = this.cache;
    metrics.counterFrom(
      'auth_token_cache_lookups_total',
      'Tokens answered from the verified-token cache (hit) or checked by their signature (miss).',
      ['result'],
      () => [
        [{ result: 'hit' }, cache.hits],
        [{ result: 'miss' }, cache.misses],
      ],
    );
    metrics.counterFrom(
      'auth_verify_thread_verdicts_total',
      'Tokens whose signature the verify thread checked (AUTH_VERIFY_THREAD), accepted or refused.',
      [],
      () => [[{}, thread.verdicts]],
    );
  }

  /**
   * Refuses what must never reach the parser (no token, a conflict, more than
   * 8 KiB), answers a token verified before from the cache, and leaves the
   * rest to passport-jwt. `success`, `fail` and `error` are passport's.
   */
  override authenticate(req: TokenCarrier, options?: unknown): void {
    const extracted = this.extract(req);
    if (extracted.kind === 'none') return this.fail(new TokenRefusal('missing', 'no token'), 401);
    if (extracted.kind === 'conflict')
      return this.fail(new TokenRefusal('conflict', 'cookie and bearer differ'), 401);
    if (extracted.token.length > MAX_TOKEN_BYTES)
      return this.fail(invalidToken('token larger than 8 KiB'), 401);
    const cached = this.cache.get(extracted.token);
    if (cached) return this.success(cached.viewer, cached);
    this.cache.missed();
    if (!this.thread.takes()) return super.authenticate(req as never, options as never);
    // passport-jwt's own steps (key, verify, validate), with the verify on the thread.
    const token = extracted.token;
    this.keyFor(req as never, token, (keyRefusal, key) => {
      if (keyRefusal) return this.fail(keyRefusal, 401);
      this.thread.verify(
        token,
        key as unknown as KeyObject,
        (verdict) => this.settle(req, verdict),
        () => super.authenticate(req as never, options as never),
      );
    });
  }

  /** The thread's verdict, answered as passport-jwt answers its own verify. */
  private settle(req: TokenCarrier, verdict: ThreadVerdict): void {
    if ('refusal' in verdict) return this.fail(invalidToken(verdict.refusal), 401);
    try {
      const [viewer, info] = this.validate(req, verdict.decoded);
      if (viewer) this.success(viewer, info);
      else this.fail(info, 401);
    } catch (error) {
      this.error(error as Error);
    }
  }

  /**
   * The verified token of a request this strategy has already verified (the
   * cache's answer, no signature check), or undefined: then run the strategy
   * through passport. Lets GqlAuthGuard skip passport's per-request
   * machinery in the common case (docs/performance.md).
   */
  verifiedFromCache(req: TokenCarrier): VerifiedToken | undefined {
    const extracted = this.extract(req);
    return extracted.kind === 'token' ? this.cache.get(extracted.token) : undefined;
  }

  /** After jsonwebtoken accepted the signature, issuer, audience, alg, nbf and exp. */
  validate(req: TokenCarrier, decoded: Jwt): StrategyResult {
    const refusal = claimsRefusal(decoded, this.clockToleranceSeconds);
    if (refusal) return [false, refusal];
    const payload = decoded.payload as VerifiedToken['payload'];
    const verified: VerifiedToken = { viewer: viewerFrom(payload), payload, exp: payload.exp! };
    const extracted = this.extract(req);
    if (extracted.kind === 'token') this.cache.set(extracted.token, verified);
    return [verified.viewer, verified];
  }
}

/**
 * The verification key for a token, by its `kid` (an unknown one refetches
 * the JWK set, rate-limited), only if the token claims the key's own
 * algorithm. Never a key carried by the token (`jwk`, `jku`, `x5u`).
 */
function keyProvider(keys: KeyStore): SecretOrKeyProvider {
  return (_req, rawToken: string, done) => {
    let header: { alg?: unknown; kid?: unknown };
    try {
      header = unverifiedHeader(rawToken);
    } catch (refusal) {
      return done(refusal);
    }
    if (header.kid !== undefined && typeof header.kid !== 'string')
      return done(invalidToken('kid is not a string'));
    keys.verificationKey(header.kid, header.alg).then(
      (key) => {
        if (!key) return done(invalidToken(`unknown kid ${JSON.stringify(header.kid ?? null)}`));
        if (header.alg !== key.alg)
          return done(invalidToken(`alg ${String(header.alg)} is not the key's ${key.alg}`));
        // jsonwebtoken takes a KeyObject as it is: the PEM was parsed once, at start.
        done(null, key.key as unknown as string);
      },
      (error: unknown) => done(error),
    );
  };
}
