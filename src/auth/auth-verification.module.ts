import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { PassportModule } from '@nestjs/passport';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { JwtStrategy } from './jwt.strategy';
import { KeyStore } from './keys/key-store';
import { RevocationFeed } from './sessions/revocation-feed';
import { RevocationDocument, RevocationSchema } from './sessions/revocation.schema';
import { RevokedSessions } from './sessions/revoked-sessions';

/** What every API server needs to trust a token: public keys, the passport-jwt strategy and the revocation feed it follows. No private key, and no database read per request. */
@Module({
  imports: [
    PassportModule,
    MongooseModule.forFeature([{ name: RevocationDocument.name, schema: RevocationSchema }]),
  ],
  providers: [
    {
      provide: KeyStore,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new KeyStore(config).load(),
    },
    JwtStrategy,
    RevokedSessions,
    RevocationFeed,
  ],
  exports: [KeyStore, PassportModule, JwtStrategy, RevocationFeed],
})
export class AuthVerificationModule {}
