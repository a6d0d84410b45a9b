import { Inject, Injectable, Logger } from '@nestjs/common';
import type { JWK } from 'jose';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_CONFIG, ConfigError, type AppConfig } from '../../config/app-config';
import {
  generatePemKeyPair,
  parsePublicKeys,
  parseSigningKey,
  readPem,
  verificationKeyFromJwk,
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
  private lastJwksFetch = 0;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /**
   * Loads keys; called once by the module's factory before anything verifies
   * a token. A key that cannot be used stops the start with one line.
   */
  async load(): Promise<this> {
    try {
      return await this.loadKeys();
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw new ConfigError([`JWT keys: ${(error as Error).message}`]);
    }
  }

  private async loadKeys(): Promise<this> {
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
      this.add(this.signing.publicKey);
    }
    if (publicText) for (const key of await parsePublicKeys(publicText, jwt.alg)) this.add(key);
    if (jwt.jwksUrl) await this.fetchJwks();
    if (this.byKid.size === 0) throw new Error('No usable JWT verification key');
    this.logger.log(
      `Verification keys: ${[...this.byKid.values()].map((k) => `${k.kid} (${k.alg})`).join(', ')}`,
    );
    return this;
  }

  signingKey(): SigningKey {
    if (!this.signing) throw new Error('This process holds no private key (APP_ROLE=api)');
    return this.signing;
  }

  get algorithms(): string[] {
    return [...new Set([...this.byKid.values()].map((key) => key.alg))];
  }

  /** The key for a token's `kid`; an unknown kid refetches the JWK set, at most every 30 s. */
  async verificationKey(kid: string | undefined): Promise<VerificationKey | undefined> {
    if (kid === undefined)
      return this.byKid.size === 1 ? this.byKid.values().next().value : undefined;
    const known = this.byKid.get(kid);
    if (known || !this.config.auth.jwt.jwksUrl) return known;
    if (Date.now() - this.lastJwksFetch < JWKS_REFETCH_INTERVAL_MS) return undefined;
    await this.fetchJwks().catch((error: Error) =>
      this.logger.warn(`JWKS refetch failed: ${error.message}`),
    );
    return this.byKid.get(kid);
  }

  /** The public key set, as served at /.well-known/jwks.json. */
  jwks(): { keys: JWK[] } {
    return { keys: [...this.byKid.values()].map((key) => key.jwk) };
  }

  private add(key: VerificationKey): void {
    this.byKid.set(key.kid, key);
  }

  private async fetchJwks(): Promise<void> {
    const url = this.config.auth.jwt.jwksUrl!;
    this.lastJwksFetch = Date.now();
    const response = await fetch(url, { signal: AbortSignal.timeout(JWKS_FETCH_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`JWKS_URL answered ${response.status}`);
    const body = (await response.json()) as { keys?: unknown };
    if (!Array.isArray(body.keys)) throw new Error('JWKS_URL did not return a key set');
    for (const jwk of body.keys as JWK[]) {
      const key = await verificationKeyFromJwk(jwk).catch(() => undefined);
      if (key) this.add(key);
    }
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
