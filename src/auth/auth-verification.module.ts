import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { GqlAuthGuard } from './gql-auth.guard';
import { JwtStrategy, verifyOptions } from './jwt.strategy';
import { KeyStore } from './keys/key-store';
import { SessionRevocationModule } from './sessions/session-revocation.module';
import { VerifyThread } from './token/verify-thread';

/** What every API server needs to trust a token: public keys and the passport-jwt strategy. No private key, and no database read per request: revocations come from a feed. */
@Module({
  imports: [PassportModule, SessionRevocationModule],
  providers: [
    {
      provide: KeyStore,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new KeyStore(config).load(),
    },
    {
      provide: VerifyThread,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) =>
        new VerifyThread(config.auth.verifyThread, verifyOptions(config.auth.jwt)),
    },
    JwtStrategy,
    GqlAuthGuard,
  ],
  exports: [KeyStore, GqlAuthGuard, PassportModule, SessionRevocationModule],
})
export class AuthVerificationModule {}
