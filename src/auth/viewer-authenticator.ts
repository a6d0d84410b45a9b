import { Inject, Injectable, Logger } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { extractToken } from './token/token-extractor';
import { InvalidTokenError, TokenVerifier, type VerifiedToken } from './token/token-verifier';
import { VerifiedTokenCache } from './token/verified-token-cache';

export type AuthenticationResult =
  | { readonly ok: true; readonly verified: VerifiedToken; readonly token: string }
  | { readonly ok: false; readonly reason: 'missing' | 'conflict' | 'invalid' };

/**
 * Turns a request into a verified viewer: extractor, cache, verifier. Every
 * entry point (GraphQL, the Passport strategy, browser navigations) uses it.
 */
@Injectable()
export class ViewerAuthenticator {
  private readonly logger = new Logger('Auth');
  private readonly cache: VerifiedTokenCache;

  constructor(
    private readonly verifier: TokenVerifier,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.cache = new VerifiedTokenCache(config.auth.tokenCache);
  }

  async authenticate(req: IncomingMessage): Promise<AuthenticationResult> {
    const extracted = extractToken(req.headers, this.config.auth.cookie.name);
    if (extracted.kind === 'none') return { ok: false, reason: 'missing' };
    if (extracted.kind === 'conflict') return { ok: false, reason: 'conflict' };
    const cached = this.cache.get(extracted.token);
    if (cached) return { ok: true, verified: cached, token: extracted.token };
    try {
      const verified = await this.verifier.verify(extracted.token);
      this.cache.set(extracted.token, verified);
      return { ok: true, verified, token: extracted.token };
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error;
      this.logger.debug(`Token refused: ${error.message}`);
      return { ok: false, reason: 'invalid' };
    }
  }
}
