import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { JwtStrategy } from './jwt.strategy';
import { KeyStore } from './keys/key-store';
import { SessionRevocationModule } from './sessions/session-revocation.module';

/** What every API server needs to trust a token: public keys and the passport-jwt strategy. No private key, and no database read per request: revocations come from a feed. */
@Module({
  imports: [PassportModule, SessionRevocationModule],
  providers: [
    {
      provide: KeyStore,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new KeyStore(config).load(),
    },
    JwtStrategy,
  ],
  exports: [KeyStore, PassportModule, SessionRevocationModule, JwtStrategy],
})
export class AuthVerificationModule {}
