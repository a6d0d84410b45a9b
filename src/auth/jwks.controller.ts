import { Controller, Get, Header } from '@nestjs/common';
import type { JWK } from 'jose';
import { KeyStore } from './keys/key-store';

/** The public keys tokens are signed with, for API servers configured with JWKS_URL. */
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: KeyStore) {}

  @Get('jwks.json')
  @Header('cache-control', 'public, max-age=300')
  jwks(): { keys: JWK[] } {
    return this.keys.jwks();
  }
}
