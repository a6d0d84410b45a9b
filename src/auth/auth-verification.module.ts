import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { GqlAuthGuard } from './gql-auth.guard';
import { JwtStrategy, verifyOptions } from './jwt.strategy';
import { KeyStore } from './keys/key-store';
import { VerifyThread } from './token/verify-thread';

/** What every API server needs to trust a token: public keys and the passport-jwt strategy. No private key, no database. */
@Module({
  imports: [PassportModule],
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
        new VerifyThread('auto', verifyOptions(config.auth.jwt)),
    },
    JwtStrategy,
    GqlAuthGuard,
  ],
  exports: [KeyStore, GqlAuthGuard, PassportModule],
})
export class AuthVerificationModule {}
