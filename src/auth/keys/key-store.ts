import { Inject, Injectable, Logger } from '@nestjs/common';
import { createRemoteJWKSet, type JWK } from 'jose';
import { createPublicKey, KeyObject, type JsonWebKey, type webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OncePerInterval } from '../../common/once-per-interval';
import { APP_CONFIG, ConfigError, type AppConfig } from '../../config/app-config';
import { JWT_ALGORITHMS, type JwtAlgorithm } from '../../config/environment';
import {
  generatePemKeyPair,
  parsePublicKeys,
  parseSigningKey,
  readPem,
  algorithmFor,
  type SigningKey,
  type VerificationKey,
} from './key-material';

const JWKS_REFETCH_INTERVAL_MS = 30_000;
const JWKS_FETCH_TIMEOUT_MS = 3_000;

/**
 * Every key this process uses, parsed once at start into KeyObjects:
 * the signing key (auth endpoint only) and the verification keys by `kid`.
 */
@Injectable()
export class KeyStore {
  private readonly logger = new Logger('Keys');
  private readonly byKid = new Map<string, VerificationKey>();
  private signing: SigningKey | undefined;
  /** The auth endpoint's key set (JWKS_URL): jose fetches, caches, and refetches an unknown kid at most every 30 s. */
  private remote: ReturnType<typeof createRemoteJWKSet> | undefined;
  private readonly staleWarningDue = new OncePerInterval(60_000);
  private lastBackgroundFetch = 0;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /**
   * Loads keys; called once by the module's factory before anything verifies
   * a token. A key that cannot be used stops the start with one line.
   */
  async load(): Promise<this> {
    try {
      const { jwt } = this.config.auth;
      const signs = this.config.role !== 'api';
      let privatePem = signs && jwt.privateKey ? readPem(jwt.privateKey) : undefined;
      let publicText = jwt.publicKeys ? readPem(jwt.publicKeys) : undefined;

      if (!privatePem && !publicText && !jwt.jwksUrl) {
        if (this.config.isProduction) throw new Error('No JWT keys configured (see docs/auth.md)');
        const generated = this.developmentKeyPair();
        privatePem = signs ? generated.privateKey : undefined;
        publicText = generated.publicKey;
      }
      if (privatePem) {
        this.signing = await parseSigningKey(privatePem, jwt.alg);
        this.byKid.set(this.signing.kid, this.signing.publicKey);
      }
      if (publicText) {
        for (const key of await parsePublicKeys(publicText, jwt.alg)) this.byKid.set(key.kid, key);
      }
      if (jwt.jwksUrl) {
        this.remote = createRemoteJWKSet(new URL(jwt.jwksUrl), {
          cooldownDuration: JWKS_REFETCH_INTERVAL_MS,
          timeoutDuration: JWKS_FETCH_TIMEOUT_MS,
          cacheMaxAge: jwt.jwksCacheMaxAgeMs,
        });
        await this.remote.reload();
      }
      const names = [
        ...[...this.byKid.values()].map((key) => `${key.kid} (${key.alg})`),
        ...(this.remote?.jwks()?.keys ?? []).map((key) => `${key.kid} (${key.alg}, JWKS)`),
      ];
      if (names.length === 0) throw new Error('No usable JWT verification key');
      this.logger.log(`Verification keys: ${names.join(', ')}`);
      return this;
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw new ConfigError([`JWT keys: ${(error as Error).message}`]);
    }
  }

  signingKey(): SigningKey {
    if (!this.signing) throw new Error('This process holds no private key (APP_ROLE=api)');
    return this.signing;
  }

  /**
   * The key for a token's `kid` and `alg`: a configured one, else one of the
   * auth endpoint's key set (an unknown kid refetches it, at most every 30 s).
   */
  async verificationKey(
    kid: string | undefined,
    alg: unknown,
  ): Promise<VerificationKey | undefined> {
    const known = kid === undefined ? this.soleKey() : this.byKid.get(kid);
    if (known || !this.remote || !(JWT_ALGORITHMS as readonly unknown[]).includes(alg))
      return known;
    const algorithm = alg as JwtAlgorithm;
    try {
      const key = (await this.remote({ alg: algorithm, kid })) as webcrypto.CryptoKey;
      return remoteKey(kid, algorithm, () => KeyObject.from(key));
    } catch (error) {
      const stale = this.staleRemoteKey(kid, algorithm, error);
      if (stale) return stale;
      this.logger.debug(
        `No JWKS key for kid ${JSON.stringify(kid ?? null)}: ${(error as Error).message}`,
      );
      return undefined;
    }
  }

  /**
   * jose refuses every key once its copy of the set is older than the cache's
   * max age and the refetch fails: an auth endpoint that is down (restarting,
   * say) would then log out everyone this process has not seen yet. While it
   * cannot be reached, the last set fetched is used instead (a key withdrawn
   * from a set that answers is never used again).
   */
  private staleRemoteKey(
    kid: string | undefined,
    alg: JwtAlgorithm,
    error: unknown,
  ): VerificationKey | undefined {
    const name = (error as Error)?.name ?? '';
    if (kid === undefined || name === 'JWKSNoMatchingKey' || name === 'JWKSMultipleMatchingKeys')
      return undefined;
    const jwk = this.remote?.jwks()?.keys.find((candidate) => candidate.kid === kid);
    if (!jwk) return undefined;
    if (this.staleWarningDue.due()) {
      this.logger.warn(
        `The auth endpoint's key set could not be fetched (${(error as Error).message}); using the last one fetched until it can (logged once a minute)`,
      );
    }
    return remoteKey(kid, alg, () => createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }));
  }

  /**
   * Whether a token verified before with this key may still be answered from the cache: the
   * key is one of this process's own, or in the auth endpoint's set as last fetched. A set
   * older than JWKS_CACHE_MAX_AGE is fetched again in the background (while the auth endpoint
   * cannot be reached, the last one stays in use), so a key withdrawn from the set ends the
   * tokens this process verified with it too (docs/deployment.md, Keys).
   */
  stillVerifies(kid: string | undefined): boolean {
    if (kid === undefined) return this.soleKey() !== undefined;
    if (this.byKid.has(kid)) return true;
    const remote = this.remote;
    if (!remote) return false;
    const now = Date.now();
    if (!remote.fresh && now - this.lastBackgroundFetch >= this.config.auth.jwt.jwksCacheMaxAgeMs) {
      this.lastBackgroundFetch = now;
      remote.reload().catch(() => undefined);
    }
    return remote.jwks()?.keys.some((key) => key.kid === kid) ?? false;
  }

  /** A token without `kid` is verified only by the one key of a process that has exactly one. */
  private soleKey(): VerificationKey | undefined {
    return this.byKid.size === 1 && !this.remote ? this.byKid.values().next().value : undefined;
  }

  /** The public key set, as served at /.well-known/jwks.json. */
  jwks(): { keys: JWK[] } {
    return { keys: [...this.byKid.values()].map((key) => key.jwk) };
  }

  /** Outside production without keys: one pair per algorithm, kept in the git-ignored data folder. */
  private developmentKeyPair(): { privateKey: string; publicKey: string } {
    const dir = join(this.config.database.dataDir, 'keys');
    const alg = this.config.auth.jwt.alg;
    const privatePath = join(dir, `jwt-${alg}-private.pem`);
    const publicPath = join(dir, `jwt-${alg}-public.pem`);
    if (existsSync(privatePath) && existsSync(publicPath)) {
      return {
        privateKey: readFileSync(privatePath, 'utf8'),
        publicKey: readFileSync(publicPath, 'utf8'),
      };
    }
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const pair = generatePemKeyPair(alg);
    writeFileSync(privatePath, pair.privateKey, { mode: 0o600 });
    writeFileSync(publicPath, pair.publicKey);
    this.logger.warn(
      `No JWT keys configured: generated a development ${alg} key pair in ${dir} (never use it in production)`,
    );
    return pair;
  }
}

/**
 * A key of the auth endpoint's set (the CryptoKey jose hands out, or a JWK of the last set
 * fetched) as a verification key; undefined when it is not a key for `alg`.
 */
function remoteKey(
  kid: string | undefined,
  alg: JwtAlgorithm,
  toKeyObject: () => KeyObject,
): VerificationKey | undefined {
  try {
    const key = toKeyObject();
    return algorithmFor(key, alg) === alg ? { kid: kid ?? '', alg, key, jwk: {} } : undefined;
  } catch {
    return undefined;
  }
}
