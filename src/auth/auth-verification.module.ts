import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { JwtStrategy } from './jwt.strategy';
import { KeyStore } from './keys/key-store';

/** What every API server needs to trust a token: public keys and the passport-jwt strategy. No private key, no database. */
@Module({
  imports: [PassportModule],
  providers: [
    {
      provide: KeyStore,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new KeyStore(config).load(),
    },
    JwtStrategy,
  ],
  exports: [KeyStore, PassportModule],
})
export class AuthVerificationModule {}
